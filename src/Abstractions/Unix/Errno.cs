using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// The errno values the library acts on. Most are the same on every Unix; the two that differ between
/// Linux and the BSD family (macOS, FreeBSD, OpenBSD, NetBSD, DragonFly) are read from a table chosen
/// once at start-up.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int ENOMEM = 12;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int EMFILE = 24;

    /// <summary>Linux 11, the BSDs 35.</summary>
    public static readonly int EAGAIN = OperatingSystem.IsLinux() ? 11 : 35;

    /// <summary>Linux 38, the BSDs 78.</summary>
    public static readonly int ENOSYS = OperatingSystem.IsLinux() ? 38 : 78;

    /// <summary>The errno of the last P/Invoke made with <c>SetLastError = true</c> on this thread.</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EBADF => "EBADF",
        ENOMEM => "ENOMEM",
        EEXIST => "EEXIST",
        EINVAL => "EINVAL",
        EMFILE => "EMFILE",
        _ when errno == EAGAIN => "EAGAIN",
        _ when errno == ENOSYS => "ENOSYS",
        _ => $"errno {errno}",
    };
}
