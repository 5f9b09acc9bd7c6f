using EporeX.Unix;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// libkqueue marks a stream socket's EVFILT_READ kevent EV_EOF whenever <c>SIOCINQ</c> finds nothing
/// queued at copy-out time (src/linux/read.c), not only on a peer's shutdown. A reader on another thread
/// that drains the socket between libkqueue's epoll_wait and its copy-out (an async handler does exactly
/// that) then sees a read-closed that is not: the final state it caches stops it reading a live
/// connection. Such a kevent carries no error and no byte count, and only then is the socket asked.
/// </summary>
internal static unsafe class LibKqueueReadEof
{
    /// <summary>
    /// True when <paramref name="fd"/>'s read side is really closed: a peek finds the end of the stream,
    /// or the descriptor answers with an error of its own (not a socket, reset…). False when a peek would
    /// block or finds data: then the EV_EOF came from an empty queue, not from the peer.
    /// </summary>
    public static bool IsConfirmed(int fd)
    {
        byte probe;
        nint n;
        while ((n = Libc.Recv(fd, &probe, 1, Libc.MSG_PEEK | Libc.MSG_DONTWAIT)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        return n == 0 || (n < 0 && Errno.Last != Errno.EAGAIN);
    }
}
