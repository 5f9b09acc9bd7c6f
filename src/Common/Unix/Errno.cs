using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// The errno values the library acts on. Most are the same on every Unix; those that differ between
/// Linux and the BSD family (macOS, FreeBSD, OpenBSD, NetBSD, DragonFly) are chosen once at start-up.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int ENOMEM = 12;
    public const int EEXIST = 17;
    public const int EFAULT = 14;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EPIPE = 32;

    // The numbers below differ: the first is Linux's kernel's (Android's too), the second the one macOS,
    // FreeBSD, OpenBSD, NetBSD and DragonFly share.
    public static readonly int EAGAIN = Pick(11, 35);
    public static readonly int ENOSYS = Pick(38, 78);
    public static readonly int ENOTSOCK = Pick(88, 38);
    public static readonly int EMSGSIZE = Pick(90, 40);
    public static readonly int ENETDOWN = Pick(100, 50);
    public static readonly int ENETUNREACH = Pick(101, 51);
    public static readonly int ECONNABORTED = Pick(103, 53);
    public static readonly int ECONNRESET = Pick(104, 54);
    public static readonly int ENOBUFS = Pick(105, 55);
    public static readonly int ENOTCONN = Pick(107, 57);
    public static readonly int ESHUTDOWN = Pick(108, 58);
    public static readonly int ETIMEDOUT = Pick(110, 60);
    public static readonly int ECONNREFUSED = Pick(111, 61);
    public static readonly int EHOSTUNREACH = Pick(113, 65);

    /// <summary>The errno of the last P/Invoke made with <c>SetLastError = true</c> on this thread (or kept by <see cref="KeepLast"/>).</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    /// <summary>
    /// Keeps the errno of a call that just failed as <see cref="Last"/>, for a call imported without
    /// <c>SetLastError</c>. The hot socket calls (recv, send, sendmsg) are: <c>SetLastError</c> stores errno
    /// in the runtime's thread state after every call, a success too, and on Linux that store costs a TLS
    /// lookup in libcoreclr (<c>__tls_get_addr</c>: about 1 % of a pipe echo's CPU in a profile), where only a failure
    /// needs errno. Call it first thing after the failed call: they are imported without a GC transition, so
    /// nothing runs in between that could change errno.
    /// </summary>
    public static void KeepLast() => Marshal.SetLastPInvokeError(Marshal.GetLastSystemError());

    /// <summary>The number of one errno that differs, in <paramref name="family"/> (<see cref="UnixFamily"/>).</summary>
    internal static int For(string? family, int linux, int bsd) => UnixFamily.HasLinuxKernel(family) ? linux : bsd;

    private static int Pick(int linux, int bsd) => For(UnixFamily.Current, linux, bsd);

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
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
