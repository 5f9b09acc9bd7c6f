using static EporeX.Linux.Epoll.Interop.Epoll;

namespace EporeX.Linux.Epoll;

/// <summary>The translation between the portable API and epoll's flags: pure, and unit-tested.</summary>
internal static class EpollFlags
{
    /// <summary>What to ask epoll_ctl for. EPOLLRDHUP comes with Readable so that a peer's shutdown is reported as read-closed.</summary>
    public static uint ToEpoll(Interest interest, PollMode mode)
    {
        uint events = 0;
        if ((interest & Interest.Readable) != 0)
        {
            events |= EPOLLIN | EPOLLRDHUP;
        }

        if ((interest & Interest.Writable) != 0)
        {
            events |= EPOLLOUT;
        }

        if ((interest & Interest.Priority) != 0)
        {
            events |= EPOLLPRI;
        }

        return mode switch
        {
            PollMode.Edge => events | EPOLLET,
            PollMode.Oneshot => events | EPOLLONESHOT,
            PollMode.EdgeOneshot => events | EPOLLET | EPOLLONESHOT,
            _ => events,
        };
    }

    /// <summary>What epoll_wait reported, with mio's meanings (mio/src/sys/unix/selector/epoll.rs).</summary>
    public static Readiness ToReadiness(uint events)
    {
        var readiness = Readiness.None;
        if ((events & (EPOLLIN | EPOLLPRI)) != 0)
        {
            readiness |= Readiness.Readable;
        }

        if ((events & EPOLLOUT) != 0)
        {
            readiness |= Readiness.Writable;
        }

        if ((events & EPOLLERR) != 0)
        {
            readiness |= Readiness.Error;
        }

        // A hang-up closes both halves; EPOLLRDHUP alone closes the read half (it is only meaningful with EPOLLIN).
        if ((events & EPOLLHUP) != 0 || ((events & EPOLLIN) != 0 && (events & EPOLLRDHUP) != 0))
        {
            readiness |= Readiness.ReadClosed;
        }

        // An error with EPOLLOUT, or an error alone (a pipe whose reader is gone), means writes will fail.
        if ((events & EPOLLHUP) != 0 || ((events & EPOLLOUT) != 0 && (events & EPOLLERR) != 0) || events == EPOLLERR)
        {
            readiness |= Readiness.WriteClosed;
        }

        if ((events & EPOLLPRI) != 0)
        {
            readiness |= Readiness.Priority;
        }

        return readiness;
    }
}
