using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// Which Unix this is, decided once: the one place the OS is asked. The tables of numbers that differ
/// between systems (errno numbers, open and send flags, signal numbers, kqueue's platform) are chosen by
/// a family named here, and are addressable per family (<c>For(family)</c>), so that each family's row is
/// tested on any OS. Families are strings, not an enum, because this file is compiled into every assembly
/// (and the tests): an enum would be a different type in each copy.
/// </summary>
internal static class UnixFamily
{
    /// <summary>Linux with glibc or musl.</summary>
    public const string Linux = "Linux";

    /// <summary>Android: Linux's kernel, so Linux's errno, flag and signal numbers, under bionic.</summary>
    public const string Android = "Android";

    /// <summary>macOS, Mac Catalyst, iOS, tvOS and watchOS: one kernel (xnu), one libc, one set of constants.</summary>
    public const string Apple = "Apple";

    public const string FreeBSD = "FreeBSD";

    public const string OpenBSD = "OpenBSD";

    public const string NetBSD = "NetBSD";

    public const string DragonFly = "DragonFly";

    /// <summary>This process's family; null on a system that is none of them (Windows, or a Unix not known here).</summary>
    public static readonly string? Current = Detect();

    /// <summary>Linux's kernel: Linux and Android (glibc, musl and bionic share the kernel's numbers).</summary>
    public static readonly bool IsLinux = HasLinuxKernel(Current);

    public static readonly bool IsApple = Current == Apple;

    public static readonly bool IsFreeBSD = Current == FreeBSD;

    /// <summary>True for the families that run Linux's kernel, whose numbers are Linux's.</summary>
    public static bool HasLinuxKernel(string? family) => family is Linux or Android;

    private static string? Detect() =>
        OperatingSystem.IsAndroid() ? Android
        : OperatingSystem.IsLinux() ? Linux
        : OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() || OperatingSystem.IsIOS()
            || OperatingSystem.IsTvOS() || OperatingSystem.IsWatchOS() ? Apple
        : OperatingSystem.IsFreeBSD() ? FreeBSD
        : IsNamed(OpenBSD) ? OpenBSD
        : IsNamed(NetBSD) ? NetBSD
        : IsNamed(DragonFly) ? DragonFly
        : null;

    // .NET has no OperatingSystem.IsOpenBSD/IsNetBSD (community ports only); uname's sysname tells.
    private static bool IsNamed(string sysname) =>
        RuntimeInformation.OSDescription.StartsWith(sysname, StringComparison.OrdinalIgnoreCase);
}
