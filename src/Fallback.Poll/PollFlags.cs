using static EporeX.Fallback.Interop.Poll;

namespace EporeX.Fallback;

/// <summary>
/// The translation between the portable API and poll(2)'s flags: pure, and unit-tested. The POLLRDHUP
/// bit is a parameter (<see cref="Interop.Poll.RdHup"/>: POLLRDHUP on Linux, 0 elsewhere) so that both
/// cases are testable on any OS.
/// </summary>
internal static class PollFlags
{
    /// <summary>What to put in <c>pollfd.events</c>. POLLRDHUP comes with Readable so that a peer's shutdown is reported as read-closed.</summary>
    public static short ToPoll(Interest interest, short rdHup)
    {
        var events = 0;
        if ((interest & Interest.Readable) != 0)
        {
            events |= POLLIN | rdHup;
        }

        if ((interest & Interest.Writable) != 0)
        {
            events |= POLLOUT;
        }

        if ((interest & Interest.Priority) != 0)
        {
            // With POLLRDHUP: a priority await also ends on read-closed (tokio's PRIORITY mask holds READ_CLOSED),
            // and the async layer re-arms Priority alone while readability is known, where POLLIN is not asked.
            events |= POLLPRI | rdHup;
        }

        return (short)events;
    }

    /// <summary>
    /// What poll(2) reported in <c>revents</c>, with mio's meanings (mio/src/sys/unix/selector/poll.rs),
    /// which are also the epoll backend's, so that swapping backends changes nothing observable.
    /// POLLNVAL is not translated: the queue handles it before (the descriptor was closed).
    /// </summary>
    public static Readiness ToReadiness(int revents, short rdHup)
    {
        var readiness = Readiness.None;
        if ((revents & (POLLIN | POLLPRI)) != 0)
        {
            readiness |= Readiness.Readable;
        }

        if ((revents & POLLOUT) != 0)
        {
            readiness |= Readiness.Writable;
        }

        if ((revents & POLLERR) != 0)
        {
            readiness |= Readiness.Error;
        }

        // A hang-up closes both halves; POLLRDHUP closes the read half, and like EPOLLRDHUP it counts only with POLLIN.
        // POLLRDHUP comes only when asked for: with POLLIN (which the kernel then sets too), or with POLLPRI alone.
        if ((revents & POLLHUP) != 0 || (rdHup != 0 && (revents & rdHup) != 0))
        {
            readiness |= Readiness.ReadClosed;
        }

        // An error with POLLOUT, or an error alone (a pipe whose reader is gone), means writes will fail.
        if ((revents & POLLHUP) != 0 || ((revents & POLLOUT) != 0 && (revents & POLLERR) != 0) || revents == POLLERR)
        {
            readiness |= Readiness.WriteClosed;
        }

        if ((revents & POLLPRI) != 0)
        {
            readiness |= Readiness.Priority;
        }

        return readiness;
    }
}
