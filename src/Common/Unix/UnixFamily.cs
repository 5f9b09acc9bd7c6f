using System;

namespace EporeX.Unix;

/// <summary>
/// Which Unix this is, decided once, for the constants that differ between systems (errno numbers, open
/// and send flags, the fcntl calling convention). The one place such a question is asked.
/// </summary>
internal static class UnixFamily
{
    /// <summary>Linux, Android included (glibc, musl and bionic share the kernel's numbers).</summary>
    public static readonly bool IsLinux = OperatingSystem.IsLinux() || OperatingSystem.IsAndroid();

    /// <summary>macOS and Apple's other systems: one kernel (xnu), one libc, one set of constants.</summary>
    public static readonly bool IsApple =
        OperatingSystem.IsMacOS() || OperatingSystem.IsMacCatalyst() || OperatingSystem.IsIOS() || OperatingSystem.IsTvOS();

    public static readonly bool IsFreeBSD = OperatingSystem.IsFreeBSD();
}
