using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    /// <summary>The most segments one vectored call is given (well under every Unix's IOV_MAX, 1024).</summary>
    internal const int MaxIovecs = 64;

    /// <summary><c>struct iovec</c>: the same on every Unix.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Iovec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>
    /// <c>struct msghdr</c> with no address and no control data, for 64-bit Unix. Only <c>msg_iov</c>
    /// (offset 16) and <c>msg_iovlen</c> (offset 24) are set, and they sit at the same offsets everywhere:
    /// Linux declares <c>msg_iovlen</c> a size_t, macOS and the BSDs an int followed by 4 bytes of padding,
    /// so a small count written as 8 little-endian bytes is right for both. The rest stays zero (56 bytes
    /// on Linux, 48 on macOS and the BSDs, who read no further).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MessageHeader
    {
        public void* Name;
        public nuint NameLength;
        public Iovec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public nuint Flags;
    }

    [LibraryImport(Library, EntryPoint = "writev", SetLastError = true)]
    internal static unsafe partial nint Writev(int fd, Iovec* iov, int count);

    /// <summary>sendmsg(2): the byte count, or -1 with <see cref="Errno.Last"/> set.</summary>
    internal static unsafe nint SendMessage(int fd, MessageHeader* message, int flags)
    {
        var n = SendMessageCall(fd, message, flags);
        if (n < 0)
        {
            Errno.KeepLast();
        }

        return n;
    }

    // As recv and send (Libc.Socket.cs): no GC transition, and errno kept only on failure (Errno.KeepLast).
    [LibraryImport(Library, EntryPoint = "sendmsg")]
    [SuppressGCTransition]
    private static unsafe partial nint SendMessageCall(int fd, MessageHeader* message, int flags);

    /// <summary>writev(2), resumed after EINTR. See <see cref="ReadUninterrupted"/>.</summary>
    internal static unsafe nint WritevUninterrupted(int fd, Iovec* iov, int count)
    {
        nint n;
        while ((n = Writev(fd, iov, count)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        return n;
    }

    /// <summary>sendmsg(2) of <paramref name="count"/> segments, without waiting and without SIGPIPE, resumed after EINTR.</summary>
    internal static unsafe nint SendVectoredUninterrupted(int fd, Iovec* iov, int count)
    {
        var message = default(MessageHeader);
        message.Iov = iov;
        message.IovLength = (nuint)count;
        nint n;
        while ((n = SendMessage(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        return n;
    }
}
