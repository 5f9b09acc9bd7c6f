using System;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// libkqueue asks epoll_wait for as many events as the kevent list has room for, then copies each out as
/// one kevent per filter: a descriptor ready both ways takes two, and whatever no longer fits is dropped
/// (src/linux/platform.c, linux_kevent_copyout). With EV_CLEAR (EPOLLET) a dropped edge never comes back,
/// so a buffer smaller than twice the ready descriptors lost them for good, where a BSD kernel and epoll
/// keep them queued for the next wait. On libkqueue every wait therefore asks for libkqueue's maximum
/// (<see cref="Kevents"/>, its MAX_KEVENT), which overflows only when the descriptors ready at once plus
/// those of them ready both ways exceed it, and the events that do not fit the caller's buffer are kept
/// here for the next waits, as epoll keeps its ready list.
/// </summary>
/// <remarks>
/// <para>A kept event is a readiness this wait consumed: with EV_CLEAR the kernel never reports it again,
/// so dropping one hangs whoever waits for it. It is dropped only when the kernel will report afresh, or
/// when it no longer belongs to a registration. libkqueue copies each kevent out under its queue's lock
/// with the udata its knote has at that moment, and every change of a registration runs under that lock
/// and re-adds its knotes (<see cref="KqueuePlatform.AddKeepsKnote"/>: EV_DELETE then EV_ADD; the epoll
/// ADD or MOD under it polls the descriptor again and queues what is ready, EPOLLET or not). So an event
/// whose token is the registration's token when the wait returns came out after any change to it
/// (<see cref="KeventDelivery.Arm"/> records the token before the kernel is asked) and is kept with the
/// registration's version; one whose token is not came out before a change that reports afresh, and is
/// dropped. A kept event is delivered while its registration's version is unchanged and its handle
/// open: a later change, a deregistration or a close drops it, and the change's re-add reports what is
/// still ready, under the registration's token of then.</para>
/// <para>Wakes, timers and exits go to the caller's buffer first and are kept only when they alone
/// overflow it. Used by the waiting thread alone.</para>
/// </remarks>
internal sealed class LibKqueueSurplus
{
    /// <summary>The kevents one wait asks libkqueue for: its MAX_KEVENT (it caps any larger list to this).</summary>
    public const int Kevents = 512;

    private readonly Event[] _decoded = new Event[Kevents];
    private readonly int[] _decodedDescriptors = new int[Kevents];
    private readonly Event[] _kept = new Event[Kevents];
    private readonly int[] _keptDescriptors = new int[Kevents];
    private readonly long[] _keptVersions = new long[Kevents];
    private int _next;
    private int _count;

    // Which descriptors the current wait took from the kept events, and where they went: a kevent of the
    // same descriptor from the wait that tops the buffer up merges into that event, as one wait of epoll
    // reports a descriptor once. A stamp per wait spares clearing the tables.
    private int[] _takenStamp = new int[64];
    private int[] _takenSlot = new int[64];
    private int _stamp = 1; // never 0, the value of a descriptor no wait has taken

    /// <summary>Where one wait's kevents are decoded (one event per descriptor, merged).</summary>
    public Span<Event> Decoded => _decoded;

    /// <summary>Each decoded event's descriptor, -1 for a wake, timer or exit.</summary>
    public Span<int> DecodedDescriptors => _decodedDescriptors;

    /// <summary>
    /// Starts a wait: moves kept events that still hold into <paramref name="events"/>, from its start;
    /// returns how many. Fewer than its length means none is left.
    /// </summary>
    public int Take(Span<Event> events, KeventDelivery delivery)
    {
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_takenStamp);
            _stamp = 1;
        }

        var delivered = 0;
        while (_next < _count && delivered < events.Length)
        {
            var i = _next++;
            var fd = _keptDescriptors[i];
            if (fd < 0)
            {
                events[delivered++] = _kept[i];
            }
            else if (delivery.VersionOf(fd) == _keptVersions[i] && !delivery.IsOwnerClosed(fd))
            {
                MarkTaken(fd, delivered);
                events[delivered++] = _kept[i];
            }
        }

        if (_next == _count)
        {
            _next = _count = 0;
        }

        return delivered;
    }

    /// <summary>
    /// Fills <paramref name="events"/> after the <paramref name="taken"/> kept events from the
    /// <paramref name="decoded"/> events (wakes, timers and exits first) and keeps the rest that still
    /// belong to their registration. Called only once <see cref="Take"/> has emptied the kept events.
    /// </summary>
    public int Split(int decoded, Span<Event> events, int taken, KeventDelivery delivery)
    {
        var delivered = taken;
        for (var sources = 1; sources >= 0; sources--)
        {
            for (var i = 0; i < decoded; i++)
            {
                var fd = _decodedDescriptors[i];
                if ((fd < 0) != (sources == 1))
                {
                    continue;
                }

                var ev = _decoded[i];
                if (fd >= 0 && WasTaken(fd, out var slot))
                {
                    // The kept event and this one came from two waits; this one is the newer.
                    events[slot] = events[slot].Token == ev.Token ? new Event(ev.Token, events[slot].Readiness | ev.Readiness) : ev;
                }
                else if (delivered < events.Length)
                {
                    events[delivered++] = ev;
                }
                else if (fd < 0)
                {
                    Keep(ev, fd, 0);
                }
                else if (delivery.IsCurrent(fd, ev.Token, out var version))
                {
                    Keep(ev, fd, version);
                }

                // Otherwise the registration changed after libkqueue copied this event out, and that
                // change re-added its knotes, which report afresh what is ready.
            }
        }

        return delivered;
    }

    private void Keep(Event ev, int fd, long version)
    {
        _kept[_count] = ev;
        _keptDescriptors[_count] = fd;
        _keptVersions[_count] = version;
        _count++;
    }

    private void MarkTaken(int fd, int slot)
    {
        if (fd >= _takenStamp.Length)
        {
            var length = Math.Max(fd + 1, _takenStamp.Length * 2);
            Array.Resize(ref _takenStamp, length);
            Array.Resize(ref _takenSlot, length);
        }

        _takenStamp[fd] = _stamp;
        _takenSlot[fd] = slot;
    }

    private bool WasTaken(int fd, out int slot)
    {
        slot = fd < _takenStamp.Length && _takenStamp[fd] == _stamp ? _takenSlot[fd] : -1;
        return slot >= 0;
    }
}
