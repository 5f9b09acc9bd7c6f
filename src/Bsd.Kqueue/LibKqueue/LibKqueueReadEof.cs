using EporeX.Unix;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// libkqueue marks a stream socket's EVFILT_READ kevent EV_EOF whenever <c>SIOCINQ</c> finds nothing
/// queued at copy-out time (src/linux/read.c), not only on a peer's shutdown. A reader on another thread
/// that drains the socket between libkqueue's epoll_wait and its copy-out (an async handler does exactly
/// that) then sees a read-closed that is not: the final state it caches stops it reading a live
/// connection. Such a kevent carries no error and no byte count, and only then is the socket asked.
/// Only a stream socket can be misreported that way: libkqueue adds that EV_EOF for
/// <c>KNFL_SOCKET_STREAM</c> alone, so on any other descriptor (a datagram socket shut down for reading,
/// whose peek would block) EV_EOF is a real hang-up (EPOLLRDHUP or EPOLLHUP) and stands.
/// </summary>
internal static unsafe class LibKqueueReadEof
{
    /// <summary>
    /// True when <paramref name="fd"/>'s read side is really closed: a peek finds the end of the stream,
    /// or the descriptor answers with an error of its own (not a socket, reset…). False when a peek would
    /// block or finds data on a stream socket: then the EV_EOF came from an empty queue, not from the peer.
    /// On another socket type it is always true (the type is asked only when the peek did not settle it).
    /// </summary>
    public static bool IsConfirmed(int fd)
    {
        byte probe;
        nint n;
        while ((n = Libc.Recv(fd, &probe, 1, Libc.MSG_PEEK | Libc.MSG_DONTWAIT)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        if (n == 0 || (n < 0 && Errno.Last != Errno.EAGAIN))
        {
            return true;
        }

        return !Libc.IsStreamSocket(fd); // libkqueue's empty-queue EV_EOF is for stream sockets only (src/linux/read.c)
    }
}
