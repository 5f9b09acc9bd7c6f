using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    /// <summary>Linux 0x40; macOS and the BSDs 0x80.</summary>
    internal static readonly int MSG_DONTWAIT = UnixFamily.IsLinux ? 0x40 : 0x80;

    /// <summary>0x2 on Linux, macOS and the BSDs: look at the queue without taking from it.</summary>
    internal const int MSG_PEEK = 0x2;

    /// <summary>
    /// Linux 0x4000, FreeBSD 0x20000, OpenBSD and NetBSD 0x400; macOS has none (the .NET runtime ignores
    /// SIGPIPE for the whole process, so there a write to a closed peer fails with EPIPE all the same).
    /// </summary>
    internal static readonly int MSG_NOSIGNAL = UnixFamily.IsLinux ? 0x4000
        : UnixFamily.IsFreeBSD ? 0x20000
        : UnixFamily.IsApple ? 0
        : 0x400;

    /// <summary>recv(2): the byte count, or -1 with <see cref="Errno.Last"/> set.</summary>
    internal static unsafe nint Recv(int fd, void* buffer, nuint length, int flags)
    {
        var n = RecvCall(fd, buffer, length, flags);
        if (n < 0)
        {
            Errno.KeepLast();
        }

        return n;
    }

    /// <summary>send(2): the byte count, or -1 with <see cref="Errno.Last"/> set.</summary>
    internal static unsafe nint Send(int fd, void* buffer, nuint length, int flags)
    {
        var n = SendCall(fd, buffer, length, flags);
        if (n < 0)
        {
            Errno.KeepLast();
        }

        return n;
    }

    // Without a GC transition: with MSG_DONTWAIT these never wait for the peer, whatever the socket's
    // blocking mode, so they cannot hold up a garbage collection for long. Without SetLastError: see Errno.KeepLast.
    [LibraryImport(Library, EntryPoint = "recv")]
    [SuppressGCTransition]
    private static unsafe partial nint RecvCall(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "send")]
    [SuppressGCTransition]
    private static unsafe partial nint SendCall(int fd, void* buffer, nuint length, int flags);

    /// <summary>shutdown(2)'s <c>how</c> for the write half: 1 on Linux, macOS and the BSDs.</summary>
    internal const int SHUT_WR = 1;

    [LibraryImport(Library, EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int fd, int how);
}
