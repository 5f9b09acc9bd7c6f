using System;
using System.Runtime.CompilerServices;
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
    private long[] _versions = new long[64]; // the number of each descriptor's last change
    private ulong[] _tokens = new ulong[64]; // each registered descriptor's token
    private bool[] _registered = new bool[64];
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
        SourceFilters = platform.SourceFilters;
    }

    /// <summary>The filters of the event sources (timers, process exits) on this OS.</summary>
    public KqueueSourceFilters SourceFilters { get; }

    /// <summary>The queue's timers, whose kevents carry expiration counts; null in unit tests of the decoding.</summary>
    public KqueueTimerTable? Timers { get; init; }

    /// <summary>
    /// Asked about a descriptor's EVFILT_READ kevent that has EV_EOF with no error and no byte count: true
    /// when the read side is really closed. Null where EV_EOF always means the peer (the BSD kernels); on
    /// libkqueue, <see cref="LibKqueueReadEof.IsConfirmed"/>.
    /// </summary>
    public Func<int, bool>? ConfirmReadClosed { get; init; }

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

    /// <summary>The number of the last change: a wait reads it before it asks the kernel.</summary>
    public long Changes => Volatile.Read(ref _changes);

    /// <summary>
    /// Records the registration <paramref name="fd"/> is about to get: its token, and whether it is a
    /// oneshot (then its first report disarms it here). Called before the kernel is asked, so that an
    /// event the kernel copies out after the change always finds its token here (see <see cref="IsCurrent"/>).
    /// </summary>
    public void Arm(int fd, Token token, bool oneshot)
    {
        EnsureTable(fd);
        Volatile.Write(ref _tokens[fd], token.Value);
        Volatile.Write(ref _registered[fd], true);
        Publish(fd, oneshot);
    }

    /// <summary>Records that <paramref name="fd"/> is no longer registered.</summary>
    public void Disarm(int fd)
    {
        EnsureTable(fd);
        Volatile.Write(ref _registered[fd], false);
        Publish(fd, oneshot: false);
    }

    /// <summary>The number of the last change to <paramref name="fd"/>'s registration (register, reregister, deregister); 0 for none.</summary>
    public long VersionOf(int fd)
    {
        var versions = Volatile.Read(ref _versions);
        return fd < versions.Length ? Volatile.Read(ref versions[fd]) : 0;
    }

    /// <summary>
    /// True when <paramref name="fd"/> is registered under <paramref name="token"/> now, with the
    /// <paramref name="version"/> of that registration. The version is read first: a token that
    /// <see cref="Arm"/> wrote is published by the version it then takes, so a version that is current
    /// with an event never pairs with an older token.
    /// </summary>
    public bool IsCurrent(int fd, Token token, out long version)
    {
        version = VersionOf(fd);
        var tokens = Volatile.Read(ref _tokens);
        var registered = Volatile.Read(ref _registered);
        return fd < tokens.Length && fd < registered.Length
            && Volatile.Read(ref registered[fd]) && Volatile.Read(ref tokens[fd]) == token.Value;
    }

    /// <summary>True when <paramref name="fd"/> was registered through a handle that is closed now.</summary>
    public bool IsOwnerClosed(int fd)
    {
        var owners = Volatile.Read(ref _owners);
        return fd < owners.Length && Volatile.Read(ref owners[fd]) is { IsClosed: true };
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
    /// <param name="descriptors">When not empty (as long as <paramref name="events"/>): each event's descriptor, -1 for a wake, timer or process exit.</param>
    public unsafe int Deliver(byte* buffer, int n, Span<Event> events, long changesBefore = long.MaxValue, Span<int> descriptors = default)
    {
        var tables = Snapshot();
        var output = StartOutput(events, descriptors, tables.Owners.Length);
        var layout = _platform.Layout;
        var size = layout.Size;
        var entry = buffer;
        for (var i = 0; i < n; i++, entry += size)
        {
            var kevent = layout.Read(entry);
            switch (Classify(kevent, tables, out var fd))
            {
                case KeventKind.Notification:
                    output.Append(new Event(new Token(kevent.Udata), Readiness.Readable));
                    break;
                case KeventKind.Timer:
                    if (TimerFired(kevent, out var token))
                    {
                        output.Append(new Event(new Token(token), Readiness.Readable));
                    }

                    break;
                case KeventKind.Untracked:
                    output.Append(new Event(new Token(kevent.Udata), ReadinessOf(kevent)));
                    break;
                case KeventKind.Descriptor:
                    Report(ref output, fd, kevent, tables.Oneshot, changesBefore);
                    break;
            }
        }

        return output.Count;
    }

    /// <summary>The registry's tables, read once so that every kevent of a wait is judged against the same arrays.</summary>
    private Tables Snapshot()
    {
        // Owners first: EnsureTable publishes them last, so the kinds and oneshot marks read after are at least as long.
        var owners = Volatile.Read(ref _owners);
        var kinds = Volatile.Read(ref _kinds);
        var oneshot = Volatile.Read(ref _oneshot);
        return new Tables(owners, kinds, oneshot);
    }

    /// <summary>Starts one wait's output: merge tables that cover every descriptor of the snapshot, and a stamp no earlier wait left in them.</summary>
    private Output StartOutput(Span<Event> events, Span<int> eventDescriptors, int descriptors)
    {
        if (_mergeStamp.Length < descriptors)
        {
            _mergeStamp = new int[descriptors];
            _mergeSlot = new int[descriptors];
            _stamp = 0;
        }

        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_mergeStamp);
            _stamp = 1;
        }

        return new Output(events, eventDescriptors, _mergeStamp, _mergeSlot, _stamp);
    }

    /// <summary>
    /// What one kevent is. The user filter and the event sources are told apart by filter first: their
    /// idents (waker numbers, timer numbers, pids) are not descriptors, and may equal one.
    /// </summary>
    /// <param name="kevent">The kevent.</param>
    /// <param name="tables">The wait's snapshot of the tables.</param>
    /// <param name="fd">The descriptor, for <see cref="KeventKind.Descriptor"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private KeventKind Classify(in Kevent kevent, in Tables tables, out int fd)
    {
        fd = -1;
        if (kevent.Filter == _userFilter)
        {
            return kevent.Ident == InterruptIdent ? KeventKind.Dropped : KeventKind.Notification;
        }

        if (kevent.Filter == SourceFilters.ProcFilter)
        {
            return KeventKind.Notification;
        }

        if (kevent.Filter == SourceFilters.TimerFilter)
        {
            return KeventKind.Timer;
        }

        if (!tables.Covers(kevent.Ident))
        {
            return KeventKind.Untracked;
        }

        fd = (int)kevent.Ident;
        return tables.Kinds[fd] switch
        {
            DescriptorKind.User => tables.Owners[fd] is { IsClosed: true } ? KeventKind.Dropped : KeventKind.Descriptor,
            DescriptorKind.WakerPipe => KeventKind.Notification,
            _ => KeventKind.Dropped,
        };
    }

    /// <summary>A timer's kevent counts only while its schedule is live: one replaced or cancelled meanwhile is not reported.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TimerFired(in Kevent kevent, out ulong token)
    {
        token = 0;
        return Timers is { } timers && timers.Fired(kevent.Ident, kevent.Udata, kevent.Data, out token);
    }

    /// <summary>
    /// Adds a descriptor kevent's readiness to the output: into the event its other filter made earlier in
    /// this wait, else as a new event unless its oneshot registration has already reported.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Report(ref Output output, int fd, in Kevent kevent, long[] oneshot, long changesBefore)
    {
        var readiness = ReadinessOf(kevent);
        if ((readiness & Readiness.ReadClosed) != 0 && kevent.Data == 0 && kevent.Fflags == 0
            && ConfirmReadClosed is { } confirm && !confirm(fd))
        {
            readiness &= ~Readiness.ReadClosed; // see LibKqueueReadEof
        }

        if (!output.TryMerge(fd, readiness) && MayReport(ref oneshot[fd], changesBefore))
        {
            output.Append(fd, new Event(new Token(kevent.Udata), readiness));
        }
    }

    /// <summary>False for the other knote of a oneshot registration that has already reported; else true, and a first report marks the registration fired.</summary>
    /// <param name="oneshot">The descriptor's entry in the oneshot table.</param>
    /// <param name="changesBefore"><see cref="Changes"/> as read before the kevent call: a registration armed after it keeps its arm, as its kevents may predate the change.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayReport(ref long oneshot, long changesBefore)
    {
        var armed = Volatile.Read(ref oneshot);
        if (armed < 0)
        {
            return false;
        }

        if (armed > 0 && armed <= changesBefore)
        {
            Interlocked.CompareExchange(ref oneshot, -armed, armed);
        }

        return true;
    }

    /// <summary>Takes the next change number for <paramref name="fd"/>, after its token was written, and (re)arms or clears its oneshot mark.</summary>
    private void Publish(int fd, bool oneshot)
    {
        var change = Interlocked.Increment(ref _changes);
        Volatile.Write(ref _versions[fd], change);
        Volatile.Write(ref _oneshot[fd], oneshot ? change : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Readiness ReadinessOf(in Kevent kevent) =>
        KqueueTranslation.ToReadiness(_platform, kevent.Filter, kevent.Flags, kevent.Fflags);

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
        var versions = new long[length];
        var tokens = new ulong[length];
        var registered = new bool[length];
        _owners.CopyTo(owners, 0);
        _kinds.CopyTo(kinds, 0);
        _oneshot.CopyTo(oneshot, 0);
        _versions.CopyTo(versions, 0);
        _tokens.CopyTo(tokens, 0);
        _registered.CopyTo(registered, 0);
        Volatile.Write(ref _tokens, tokens);
        Volatile.Write(ref _registered, registered);
        Volatile.Write(ref _versions, versions);
        Volatile.Write(ref _oneshot, oneshot);
        Volatile.Write(ref _kinds, kinds);
        Volatile.Write(ref _owners, owners);
    }

    /// <summary>What one kevent is to <see cref="Deliver"/>.</summary>
    private enum KeventKind
    {
        /// <summary>Nothing to deliver: the interrupt (user filter or pipe), or a descriptor whose registering handle has been closed.</summary>
        Dropped,

        /// <summary>A waker's wake or a process exit: Readable for its udata.</summary>
        Notification,

        /// <summary>A timer's expiry: Readable for the timer's token while its schedule is live.</summary>
        Timer,

        /// <summary>A user's descriptor in the tables: its filters' readinesses merge into one event.</summary>
        Descriptor,

        /// <summary>An ident beyond the tables: delivered as it is, with no merge and no oneshot mark to consult.</summary>
        Untracked,
    }

    /// <summary>The registry's per-descriptor tables as one wait reads them.</summary>
    private readonly record struct Tables(SafeHandle?[] Owners, DescriptorKind[] Kinds, long[] Oneshot)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Covers(ulong ident) =>
            ident < (ulong)Owners.Length && ident < (ulong)Kinds.Length && ident < (ulong)Oneshot.Length;
    }

    /// <summary>
    /// The events one wait has decoded so far, and the merge tables: the stamp marks the descriptors that
    /// already have an event in this wait, the slot says which one, so that a descriptor's other filter
    /// adds to it instead of making a second event.
    /// </summary>
    private ref struct Output(Span<Event> events, Span<int> descriptors, int[] stamps, int[] slots, int stamp)
    {
        private readonly Span<Event> _events = events;
        private readonly Span<int> _descriptors = descriptors;
        private readonly int[] _stamps = stamps;
        private readonly int[] _slots = slots;
        private readonly int _stamp = stamp;
        private int _count;

        public readonly int Count => _count;

        /// <summary>Adds an event that is never merged (a wake, a timer, an untracked ident).</summary>
        public void Append(Event ev)
        {
            if (!_descriptors.IsEmpty)
            {
                _descriptors[_count] = -1;
            }

            _events[_count++] = ev;
        }

        /// <summary>Adds <paramref name="fd"/>'s first event of this wait.</summary>
        public void Append(int fd, Event ev)
        {
            _stamps[fd] = _stamp;
            _slots[fd] = _count;
            if (!_descriptors.IsEmpty)
            {
                _descriptors[_count] = fd;
            }

            _events[_count++] = ev;
        }

        /// <summary>Adds <paramref name="readiness"/> to the event <paramref name="fd"/> already has in this wait; false when it has none.</summary>
        public readonly bool TryMerge(int fd, Readiness readiness)
        {
            if (_stamps[fd] != _stamp)
            {
                return false;
            }

            ref var ev = ref _events[_slots[fd]];
            ev = new Event(ev.Token, ev.Readiness | readiness);
            return true;
        }
    }
}
