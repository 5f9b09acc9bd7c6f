using System;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// The translation between the portable API and kevent: pure, and unit-tested for every platform.
/// Readable is EVFILT_READ and Writable is EVFILT_WRITE, each its own knote in the kernel; meanings of
/// the returned flags follow mio's kqueue selector (mio/src/sys/unix/selector/kqueue.rs).
/// </summary>
internal static class KqueueTranslation
{
    /// <summary>The most changes one Register, Reregister or Deregister needs: delete and add, for two filters.</summary>
    public const int MaxChanges = 4;

    /// <summary>
    /// The changes that turn (<paramref name="previous"/>, <paramref name="previousMode"/>) into
    /// (<paramref name="next"/>, <paramref name="nextMode"/>); an empty interest means "not registered".
    /// A wanted filter is (re)added with EV_ADD, which creates it, re-arms a fired oneshot, re-enables it
    /// and replaces its udata; when the mode changes the old knote is deleted first, because EV_ADD on a
    /// live knote does not reliably replace EV_CLEAR/EV_ONESHOT on every kernel. Where EV_ADD on a live
    /// knote keeps its udata (<see cref="KqueuePlatform.AddKeepsKnote"/>: libkqueue) a filter that exists
    /// is always deleted first, every delete comes before every add, and EVFILT_READ is added last: see
    /// <see cref="LibKqueueOrder"/>. A filter no longer wanted is deleted. Every change carries
    /// EV_RECEIPT, so its own result comes back.
    /// </summary>
    /// <returns>How many changes were written to <paramref name="changes"/> (at most <see cref="MaxChanges"/>).</returns>
    public static int Changes(KqueuePlatform platform, Interest previous, PollMode previousMode, Interest next, PollMode nextMode, Span<KeventChange> changes)
    {
        var n = 0;
        var replace = platform.AddKeepsKnote;
        n = FilterChanges(platform.ReadFilter, Interest.Readable, platform.ReadExtraFlags, platform.ReadExtraFflags, mayVanish: false, replace, previous, previousMode, next, nextMode, changes, n);
        n = FilterChanges(platform.WriteFilter, Interest.Writable, 0, 0, mayVanish: true, replace, previous, previousMode, next, nextMode, changes, n);
        if (replace)
        {
            LibKqueueOrder(changes[..n], platform.ReadFilter);
        }

        return n;
    }

    /// <summary>
    /// libkqueue keeps ONE epoll registration per descriptor for both filters, and each change sets its
    /// events to the IN/OUT bits of the knotes still there plus the flags of the knote being added
    /// (src/linux/platform.c epoll_update): a delete leaves only EPOLLIN/EPOLLOUT, losing EPOLLRDHUP (so a
    /// peer's shutdown with data still buffered is never EV_EOF) and EPOLLET (Edge turns level). Only
    /// EVFILT_READ's own flags carry EPOLLRDHUP. So on libkqueue every delete is sent first, then the
    /// EVFILT_WRITE add, then the EVFILT_READ add, whose flags are the ones the descriptor keeps.
    /// </summary>
    private static void LibKqueueOrder(Span<KeventChange> changes, int readFilter)
    {
        // At most four entries: a stable insertion sort by rank (delete 0, write add 1, read add 2).
        for (var i = 1; i < changes.Length; i++)
        {
            var c = changes[i];
            var j = i - 1;
            while (j >= 0 && Rank(changes[j], readFilter) > Rank(c, readFilter))
            {
                changes[j + 1] = changes[j];
                j--;
            }

            changes[j + 1] = c;
        }
    }

    private static int Rank(KeventChange c, int readFilter) => c.IsDelete ? 0 : c.Filter == readFilter ? 2 : 1;

    /// <summary>
    /// Oneshot or EdgeOneshot: EV_ONESHOT knotes, which the kernel deletes one by one as they report, so
    /// <see cref="KeventDelivery"/> disarms the whole registration at its first report.
    /// </summary>
    public static bool IsOneshot(PollMode mode) => mode is PollMode.Oneshot or PollMode.EdgeOneshot;

    /// <summary>EV_CLEAR for Edge, EV_ONESHOT for Oneshot, both for EdgeOneshot.</summary>
    public static uint ModeFlags(PollMode mode) => mode switch
    {
        PollMode.Edge => EV_CLEAR,
        PollMode.Oneshot => EV_ONESHOT,
        PollMode.EdgeOneshot => EV_CLEAR | EV_ONESHOT,
        _ => 0,
    };

    /// <summary>
    /// What one returned kevent of a descriptor means: readable from EVFILT_READ, writable from
    /// EVFILT_WRITE, read-closed and write-closed from EV_EOF on that filter, and an error from EV_ERROR
    /// or from EV_EOF with a nonzero fflags (the socket error, ECONNREFUSED for example).
    /// </summary>
    public static Readiness ToReadiness(KqueuePlatform platform, int filter, uint flags, uint fflags)
    {
        var eof = (flags & EV_EOF) != 0;
        var readiness = Readiness.None;
        if (filter == platform.ReadFilter)
        {
            readiness = eof ? Readiness.Readable | Readiness.ReadClosed : Readiness.Readable;
        }
        else if (filter == platform.WriteFilter)
        {
            readiness = eof ? Readiness.Writable | Readiness.WriteClosed : Readiness.Writable;
        }

        if ((flags & EV_ERROR) != 0 || (eof && fflags != 0))
        {
            readiness |= Readiness.Error;
        }

        return readiness;
    }

    /// <summary>
    /// The errno a receipt reports for <paramref name="change"/>, or 0 when the change succeeded or failed
    /// in a way that is expected: ENOENT for a delete marked <see cref="KeventChange.MayBeMissing"/>, and
    /// EPIPE for an EVFILT_WRITE add (macOS reports it for a pipe whose reader is gone, yet adds the knote;
    /// mio ignores it the same way).
    /// </summary>
    public static int ReceiptError(KqueuePlatform platform, KeventChange change, Kevent receipt)
    {
        if ((receipt.Flags & EV_ERROR) == 0 || receipt.Data == 0)
        {
            return 0;
        }

        var errno = (int)receipt.Data;
        if (errno == Unix.Errno.ENOENT && change.IsDelete && change.MayBeMissing)
        {
            return 0;
        }

        if (errno == EPIPE && !change.IsDelete && change.Filter == platform.WriteFilter)
        {
            return 0;
        }

        return errno;
    }

    /// <summary>EPIPE is 32 on Linux and every BSD.</summary>
    internal const int EPIPE = 32;

    // mayVanish: the kernel may drop this filter's knote by itself. FreeBSD hangs a pipe writer's
    // EVFILT_WRITE knote on the reader's side, and when the reader closes, knlist_clear marks it
    // EV_EOF|EV_ONESHOT, so it fires once and is gone (sys_pipe.c pipe_kqfilter, kern_event.c
    // knlist_cleardel). Its delete then answers ENOENT, meaning "already gone" (mio ignores ENOENT on
    // every deregister).
    // replace: delete a filter that exists before adding it again even when its mode stays (libkqueue).
    private static int FilterChanges(int filter, Interest bit, uint extraFlags, uint extraFflags, bool mayVanish, bool replace, Interest previous, PollMode previousMode, Interest next, PollMode nextMode, Span<KeventChange> changes, int n)
    {
        var had = (previous & bit) != 0;
        var wants = (next & bit) != 0;
        if (wants)
        {
            if (had && (replace || previousMode != nextMode))
            {
                // A fired oneshot knote is gone, and so may be a write knote the kernel dropped (mayVanish).
                changes[n++] = new KeventChange(filter, EV_DELETE | EV_RECEIPT, 0, MayBeMissing: true);
            }

            changes[n++] = new KeventChange(filter, EV_ADD | EV_RECEIPT | ModeFlags(nextMode) | extraFlags, extraFflags, MayBeMissing: false);
        }
        else if (had)
        {
            changes[n++] = new KeventChange(filter, EV_DELETE | EV_RECEIPT, 0, MayBeMissing: mayVanish || IsOneshot(previousMode));
        }

        return n;
    }
}
