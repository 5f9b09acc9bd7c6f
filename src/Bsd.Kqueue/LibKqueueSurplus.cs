using System;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// libkqueue asks epoll_wait for as many events as the kevent list has room for, then copies each out as
/// one kevent per filter: a descriptor ready both ways takes two, and whatever no longer fits is dropped
/// (src/linux/platform.c, linux_kevent_copyout). With EV_CLEAR (EPOLLET) a dropped edge never comes back,
/// so a buffer smaller than twice the ready descriptors lost them for good, where a BSD kernel and epoll
/// keep them queued for the next wait. On libkqueue every wait therefore asks for libkqueue's maximum
/// (<see cref="Kevents"/>, its MAX_KEVENT), which overflows only with more than 256 descriptors ready both
/// ways at once, and the events that do not fit the caller's buffer are kept here for the next waits, as
/// epoll keeps its ready list.
/// </summary>
/// <remarks>
/// A kept event of a descriptor whose registration changed after the wait began (register, reregister,
/// deregister: <see cref="KeventDelivery.VersionOf"/>) or whose handle was closed is dropped: the change
/// went to the kernel, which reports afresh what is ready. Wakes, timers and exits go to the caller's
/// buffer first and are kept only when they alone overflow it. Used by the waiting thread alone.
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

    /// <summary>Where one wait's kevents are decoded (one event per descriptor, merged).</summary>
    public Span<Event> Decoded => _decoded;

    /// <summary>Each decoded event's descriptor, -1 for a wake, timer or exit.</summary>
    public Span<int> DecodedDescriptors => _decodedDescriptors;

    /// <summary>Moves kept events that still hold into <paramref name="events"/>; 0 when none is left.</summary>
    public int Take(Span<Event> events, KeventDelivery delivery)
    {
        var delivered = 0;
        while (_next < _count && delivered < events.Length)
        {
            var i = _next++;
            var fd = _keptDescriptors[i];
            if (fd < 0 || (delivery.VersionOf(fd) == _keptVersions[i] && !delivery.IsOwnerClosed(fd)))
            {
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
    /// Fills <paramref name="events"/> from the <paramref name="decoded"/> events (wakes, timers and exits
    /// first) and keeps the rest, except those of registrations changed since <paramref name="changesBefore"/>.
    /// Called only once <see cref="Take"/> has emptied the kept events.
    /// </summary>
    public int Split(int decoded, Span<Event> events, KeventDelivery delivery, long changesBefore)
    {
        var delivered = 0;
        for (var sources = 1; sources >= 0; sources--)
        {
            for (var i = 0; i < decoded; i++)
            {
                var fd = _decodedDescriptors[i];
                if ((fd < 0) != (sources == 1))
                {
                    continue;
                }

                if (delivered < events.Length)
                {
                    events[delivered++] = _decoded[i];
                    continue;
                }

                var version = fd < 0 ? 0 : delivery.VersionOf(fd);
                if (version <= changesBefore)
                {
                    _kept[_count] = _decoded[i];
                    _keptDescriptors[_count] = fd;
                    _keptVersions[_count] = version;
                    _count++;
                }
            }
        }

        return delivered;
    }
}
