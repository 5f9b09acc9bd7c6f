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

    /// <summary>
    /// <see cref="ToReadiness"/> for the six flags it reads, as a 64-entry table: the wait loop converts
    /// every event with one load instead of six branches.
    /// </summary>
    private static readonly Readiness[] Table = BuildTable();

    /// <summary>The same as <see cref="ToReadiness"/>, by table look-up; what the wait loop calls.</summary>
    public static Readiness Lookup(uint events) =>
        Table[(int)((events & (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP)) | ((events & EPOLLRDHUP) >> 8))];

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

    private static Readiness[] BuildTable()
    {
        // Index bits 0-4 are EPOLLIN, PRI, OUT, ERR, HUP as the kernel numbers them; bit 5 is EPOLLRDHUP (0x2000 >> 8).
        var table = new Readiness[64];
        for (uint index = 0; index < 64; index++)
        {
            table[index] = ToReadiness((index & 0x1F) | ((index & 0x20) << 8));
        }

        return table;
    }
}
