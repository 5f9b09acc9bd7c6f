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
/// </remarks>
internal sealed class KeventDelivery
{
    /// <summary>The EVFILT_USER ident of the interrupt; wakers take 1, 2, … (EVFILT_USER idents are not descriptors).</summary>
    public const ulong InterruptIdent = 0;

    public const byte KindDescriptor = 0;
    public const byte KindInterruptPipe = 1;
    public const byte KindWakerPipe = 2;

    private readonly KqueuePlatform _platform;
    private readonly int _userFilter;
    private SafeHandle?[] _owners = new SafeHandle?[64];
    private byte[] _kinds = new byte[64];
    private int[] _mergeStamp = new int[64];
    private int[] _mergeSlot = new int[64];
    private int _stamp;

    /// <param name="platform">The OS's filters and layout.</param>
    /// <param name="userFilter">Whether EVFILT_USER carries the interrupt and the wakers (else pipes do).</param>
    public KeventDelivery(KqueuePlatform platform, bool userFilter)
    {
        _platform = platform;
        _userFilter = userFilter && platform.UserFilter is { } user ? user : int.MinValue;
    }

    /// <summary>Records the handle <paramref name="fd"/> is registered through (null: a raw descriptor or none).</summary>
    public void SetOwner(int fd, SafeHandle? owner)
    {
        EnsureTable(fd); // also for raw descriptors: the merge tables are sized by it
        Volatile.Write(ref _owners[fd], owner);
    }

    /// <summary>Marks a descriptor the queue itself owns (interrupt or waker pipe).</summary>
    public void SetKind(int fd, byte kind)
    {
        EnsureTable(fd);
        _kinds[fd] = kind;
    }

    /// <summary>Decodes <paramref name="n"/> kevents at <paramref name="buffer"/> into <paramref name="events"/>; returns how many events.</summary>
    public unsafe int Deliver(byte* buffer, int n, Span<Event> events)
    {
        var owners = Volatile.Read(ref _owners);
        var kinds = Volatile.Read(ref _kinds);
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

            var fd = kevent.Ident < (ulong)owners.Length && kevent.Ident < (ulong)kinds.Length ? (int)kevent.Ident : -1;
            if (fd >= 0 && kinds[fd] != KindDescriptor)
            {
                if (kinds[fd] == KindWakerPipe)
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
        var kinds = new byte[length];
        _owners.CopyTo(owners, 0);
        _kinds.CopyTo(kinds, 0);
        Volatile.Write(ref _kinds, kinds);
        Volatile.Write(ref _owners, owners);
    }
}
