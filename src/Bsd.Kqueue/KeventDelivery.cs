using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// Turns the kevents one wait returned into <see cref="Event"/>s, and keeps the per-descriptor tables that
/// needs. Pure apart from its tables, so it is unit-tested on any OS with kevent lists written by hand.
/// </summary>
/// <remarks>
/// <para>Decisions: a descriptor's EVFILT_READ and EVFILT_WRITE kevents of one wait become ONE event with
/// both readinesses (mio delivers two; epoll and poll(2) deliver one, and the portable API promises the
/// same shape everywhere). The interrupt is never delivered. A kevent of a descriptor whose registering
/// handle has been closed is dropped: libkqueue keeps such knotes, and the number may belong to a new
/// descriptor by now.</para>
/// <para>Threading: owners and kinds are written under the registry's lock and read by the waiting thread
/// (whole-array replacement on growth, so a reader sees a consistent array); the merge tables belong to
/// the one waiting thread.</para>
/// <para>Oneshot: the kernel disarms each EV_ONESHOT knote on its own, so after the write knote of a
/// registration over both filters has fired the read knote could still report, where epoll's
/// EPOLLONESHOT (and the portable contract) disarm the whole registration. Every oneshot registration is
/// marked armed here with the number of its change; its first report marks it fired, and later kevents
/// of the descriptor are dropped until a change arms it again. A registration armed after the wait began
/// is never marked fired by that wait (its kevents may predate the change), so a racing Reregister can
/// get an extra report, never a lost one. The fired mark also tells a fired registration (still
/// registered, as on epoll) from a stale one whose knotes vanished because its descriptor was closed.</para>
/// </remarks>
internal sealed class KeventDelivery
{
    /// <summary>The EVFILT_USER ident of the interrupt; wakers take 1, 2, … (EVFILT_USER idents are not descriptors).</summary>
    public const ulong InterruptIdent = 0;

    private readonly KqueuePlatform _platform;
    private readonly int _userFilter;
    private SafeHandle?[] _owners = new SafeHandle?[64];
    private DescriptorKind[] _kinds = new DescriptorKind[64];
    private long[] _oneshot = new long[64]; // 0: nothing to do; > 0: armed at that change; < 0: fired
    private long _changes;
    private int[] _mergeStamp = new int[64];
    private int[] _mergeSlot = new int[64];
    private int _stamp;

    /// <param name="platform">The OS's filters and layout.</param>
    /// <param name="userFilter">Whether EVFILT_USER carries the interrupt and the wakers (else pipes do).</param>
    public KeventDelivery(KqueuePlatform platform, bool userFilter)
    {
        _platform = platform;
        _userFilter = userFilter && platform.UserFilter is { } user ? user : int.MinValue;
        SourceFilters = KqueueSourceFilters.For(platform);
    }

    /// <summary>The filters of the event sources (timers, process exits) on this OS.</summary>
    public KqueueSourceFilters SourceFilters { get; }

    /// <summary>The queue's timers, whose kevents carry expiration counts; null in unit tests of the decoding.</summary>
    public KqueueTimerTable? Timers { get; init; }

    /// <summary>Records the handle <paramref name="fd"/> is registered through (null: a raw descriptor or none).</summary>
    public void SetOwner(int fd, SafeHandle? owner)
    {
        EnsureTable(fd); // also for raw descriptors: the merge tables are sized by it
        Volatile.Write(ref _owners[fd], owner);
    }

    /// <summary>Marks a descriptor the queue itself owns (interrupt or waker pipe).</summary>
    public void SetKind(int fd, DescriptorKind kind)
    {
        EnsureTable(fd);
        _kinds[fd] = kind;
    }

    /// <summary>The number of the last oneshot change: a wait reads it before it asks the kernel.</summary>
    public long Changes => Volatile.Read(ref _changes);

    /// <summary>
    /// Records whether the registration <paramref name="fd"/> is about to get is a oneshot (then its first
    /// report disarms it here); called before the kernel is asked.
    /// </summary>
    public void SetOneshot(int fd, bool oneshot)
    {
        EnsureTable(fd);
        Volatile.Write(ref _oneshot[fd], oneshot ? Interlocked.Increment(ref _changes) : 0);
    }

    /// <summary>True when the oneshot registration of <paramref name="fd"/> has reported since it was last armed.</summary>
    public bool HasFired(int fd)
    {
        var oneshot = Volatile.Read(ref _oneshot);
        return fd < oneshot.Length && Volatile.Read(ref oneshot[fd]) < 0;
    }

    /// <summary>Decodes <paramref name="n"/> kevents at <paramref name="buffer"/> into <paramref name="events"/>; returns how many events.</summary>
    /// <param name="buffer">The kevents the kernel returned.</param>
    /// <param name="n">How many.</param>
    /// <param name="events">Where the events go.</param>
    /// <param name="changesBefore"><see cref="Changes"/> as read before the kevent call.</param>
    public unsafe int Deliver(byte* buffer, int n, Span<Event> events, long changesBefore = long.MaxValue)
    {
        var owners = Volatile.Read(ref _owners);
        var kinds = Volatile.Read(ref _kinds);
        var oneshot = Volatile.Read(ref _oneshot);
        if (_mergeStamp.Length < owners.Length)
        {
            _mergeStamp = new int[owners.Length];
            _mergeSlot = new int[owners.Length];
            _stamp = 0;
        }

        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_mergeStamp);
            _stamp = 1;
        }

        var stamps = _mergeStamp;
        var slots = _mergeSlot;
        var stamp = _stamp;
        var layout = _platform.Layout;
        var size = layout.Size;
        var delivered = 0;
        var entry = buffer;
        for (var i = 0; i < n; i++, entry += size)
        {
            var kevent = layout.Read(entry);
            if (kevent.Filter == _userFilter)
            {
                if (kevent.Ident != InterruptIdent)
                {
                    events[delivered++] = new Event(new Token(kevent.Udata), Readiness.Readable);
                }

                continue;
            }

            if (kevent.Filter == SourceFilters.TimerFilter || kevent.Filter == SourceFilters.ProcFilter)
            {
                // Event sources (KqueueTimer, KqueueProcessWatch): idents are timer numbers and pids, not descriptors.
                if (kevent.Filter == SourceFilters.ProcFilter)
                {
                    events[delivered++] = new Event(new Token(kevent.Udata), Readiness.Readable);
                }
                else if (Timers is { } timers && timers.Fired(kevent.Ident, kevent.Udata, kevent.Data, out var token))
                {
                    events[delivered++] = new Event(new Token(token), Readiness.Readable);
                }

                continue;
            }

            var fd = kevent.Ident < (ulong)owners.Length && kevent.Ident < (ulong)kinds.Length && kevent.Ident < (ulong)oneshot.Length ? (int)kevent.Ident : -1;
            if (fd >= 0 && kinds[fd] != DescriptorKind.User)
            {
                if (kinds[fd] == DescriptorKind.WakerPipe)
                {
                    events[delivered++] = new Event(new Token(kevent.Udata), Readiness.Readable);
                }

                continue;
            }

            if (fd >= 0 && owners[fd] is { IsClosed: true })
            {
                continue;
            }

            var readiness = KqueueTranslation.ToReadiness(_platform, kevent.Filter, kevent.Flags, kevent.Fflags);
            if (fd >= 0 && fd < stamps.Length)
            {
                if (stamps[fd] == stamp)
                {
                    var slot = slots[fd];
                    events[slot] = new Event(events[slot].Token, events[slot].Readiness | readiness);
                    continue;
                }

                var armed = Volatile.Read(ref oneshot[fd]);
                if (armed < 0)
                {
                    continue; // the other knote of a oneshot registration that has already reported
                }

                if (armed > 0 && armed <= changesBefore)
                {
                    Interlocked.CompareExchange(ref oneshot[fd], -armed, armed);
                }

                stamps[fd] = stamp;
                slots[fd] = delivered;
            }

            events[delivered++] = new Event(new Token(kevent.Udata), readiness);
        }

        return delivered;
    }

    private void EnsureTable(int fd)
    {
        if (fd < _owners.Length)
        {
            return;
        }

        var length = Math.Max(fd + 1, _owners.Length * 2);
        var owners = new SafeHandle?[length];
        var kinds = new DescriptorKind[length];
        var oneshot = new long[length];
        _owners.CopyTo(owners, 0);
        _kinds.CopyTo(kinds, 0);
        _oneshot.CopyTo(oneshot, 0);
        Volatile.Write(ref _oneshot, oneshot);
        Volatile.Write(ref _kinds, kinds);
        Volatile.Write(ref _owners, owners);
    }
}
