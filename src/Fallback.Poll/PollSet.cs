using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using static EporeX.Fallback.Interop;
using static EporeX.Fallback.Interop.Poll;

namespace EporeX.Fallback;

/// <summary>
/// The registrations of a poll(2) queue: a managed table (descriptor → slot) that registration calls
/// change, and the pollfd array in native memory that poll() reads, rebuilt from the table only when it
/// has changed. Entry 0 of the array is the queue's notification pipe; entry i + 1 is slot i as of the
/// last rebuild. Not thread-safe: <see cref="PollEventQueue"/> holds its lock around every call, and only
/// the waiting thread rebuilds or reads the native array.
/// </summary>
internal sealed unsafe class PollSet : IDisposable
{
    private const int InitialCapacity = 16;

    private readonly Dictionary<int, int> _indexByFd = new();
    private readonly short _rdHup;
    private PollSlot[] _slots = new PollSlot[InitialCapacity];
    private int _count;
    private ulong _nextId;

    private PollFd* _entries;
    private ulong[] _entryIds = new ulong[InitialCapacity + 1];
    private int _entryCapacity;
    private int _entryCount;
    private int _cursor = 1;

    public PollSet(short rdHup)
    {
        _rdHup = rdHup;
        _entries = (PollFd*)NativeMemory.AllocZeroed((nuint)(InitialCapacity + 1), (nuint)sizeof(PollFd));
        _entryCapacity = InitialCapacity + 1;
        Dirty = true;
    }

    /// <summary>True when the table changed since the last <see cref="Rebuild"/>.</summary>
    public bool Dirty { get; private set; }

    /// <summary>How many descriptors are registered.</summary>
    public int Count => _count;

    /// <summary>The native pollfd array; stable until the next <see cref="Rebuild"/>.</summary>
    public PollFd* Entries => _entries;

    /// <summary>How many pollfd entries the last <see cref="Rebuild"/> wrote, the pipe's included.</summary>
    public int EntryCount => _entryCount;

    public bool Contains(int fd) => _indexByFd.ContainsKey(fd);

    /// <summary>True when <paramref name="fd"/> has a slot that was found closed behind the queue's back.</summary>
    public bool IsStale(int fd) => _indexByFd.TryGetValue(fd, out var index) && _slots[index].Stale;

    /// <summary>Adds <paramref name="fd"/>; <paramref name="readHangUp"/> false leaves the read-hang-up bit out of its events.</summary>
    public void Add(int fd, Registration registration, bool readHangUp = true, IPollDrain? drain = null)
    {
        if (_count == _slots.Length)
        {
            Array.Resize(ref _slots, _count * 2);
        }

        _slots[_count] = NewSlot(fd, registration, readHangUp) with { Drain = drain };
        _indexByFd.Add(fd, _count);
        _count++;
        Dirty = true;
    }

    /// <summary>Gives <paramref name="fd"/>'s slot a new registration, armed and no longer stale.</summary>
    public void Replace(int fd, Registration registration, bool readHangUp = true)
    {
        _slots[_indexByFd[fd]] = NewSlot(fd, registration, readHangUp);
        Dirty = true;
    }

    /// <summary>Forgets <paramref name="fd"/>; returns false when it had no slot.</summary>
    public bool Remove(int fd)
    {
        if (!_indexByFd.Remove(fd, out var index))
        {
            return false;
        }

        var last = --_count;
        if (index != last)
        {
            _slots[index] = _slots[last];
            _indexByFd[_slots[index].Fd] = index;
        }

        _slots[last] = default; // drops the reference to the handle object
        Dirty = true;
        return true;
    }

    /// <summary>Writes the pollfd array from the table: the pipe first, then one entry per slot (-1 for an inactive one, which poll() skips).</summary>
    public void Rebuild(int notifyFd)
    {
        var needed = _count + 1;
        if (needed > _entryCapacity)
        {
            var capacity = Math.Max(needed, _entryCapacity * 2);
            _entries = (PollFd*)NativeMemory.Realloc(_entries, (nuint)capacity * (nuint)sizeof(PollFd));
            _entryIds = new ulong[capacity];
            _entryCapacity = capacity;
        }

        _entries[0] = new PollFd { Fd = notifyFd, Events = POLLIN };
        for (var i = 0; i < _count; i++)
        {
            ref readonly var slot = ref _slots[i];
            _entries[i + 1] = new PollFd { Fd = slot.Active ? slot.Fd : -1, Events = slot.Events };
            _entryIds[i + 1] = slot.Id;
        }

        _entryCount = needed;
        Dirty = false;
    }

    /// <summary>
    /// Turns the revents of the last poll() into events after <paramref name="delivered"/> ones, starting
    /// where the last scan stopped so that no descriptor starves when more are ready than fit. Only slots
    /// still registered with the registration that was polled are reported; a descriptor found closed is
    /// dropped without an event; a oneshot registration is disarmed once reported.
    /// </summary>
    /// <param name="events">The caller's buffer.</param>
    /// <param name="delivered">How many events it already holds.</param>
    /// <param name="ready">How many entries other than the pipe's have revents.</param>
    /// <returns>How many events the buffer holds now.</returns>
    public int Deliver(Span<Event> events, int delivered, int ready)
    {
        var entryCount = _entryCount;
        if (entryCount <= 1 || ready <= 0)
        {
            return delivered;
        }

        var i = _cursor < entryCount ? _cursor : 1;
        for (var scanned = 0; scanned < entryCount - 1 && ready > 0 && delivered < events.Length; scanned++)
        {
            var entry = i;
            i = i + 1 == entryCount ? 1 : i + 1;
            ref var pollFd = ref _entries[entry];
            if (pollFd.Revents == 0)
            {
                continue;
            }

            ready--;
            if (TryReport(entry, ref pollFd, out var report))
            {
                events[delivered++] = report;
            }
        }

        _cursor = i;
        return delivered;
    }

    public void Dispose()
    {
        NativeMemory.Free(_entries);
        _entries = null;
        _entryCapacity = 0;
        _entryCount = 0;
        _indexByFd.Clear();
        Array.Clear(_slots);
        _count = 0;
    }

    /// <summary>
    /// The event for one entry that poll() found ready, if its registration still wants one: not when it
    /// was deregistered or changed meanwhile, disarmed, or closed behind the queue's back (then it is
    /// marked stale and never polled again). A oneshot registration is disarmed once reported.
    /// </summary>
    private bool TryReport(int entry, ref PollFd pollFd, out Event report)
    {
        report = default;
        var index = Resolve(entry, pollFd.Fd);
        if (index < 0)
        {
            return false; // deregistered or changed while poll() ran: the rebuilt set decides
        }

        ref var slot = ref _slots[index];
        if (!slot.Active)
        {
            return false; // disarmed or dropped by an earlier scan of this same poll() result
        }

        if ((pollFd.Revents & POLLNVAL) != 0 || slot.Registration.IsOwnerClosed)
        {
            // Closed behind our back (and maybe the number reused): never report it again, and let
            // the Registry register the number anew.
            slot.Stale = true;
            pollFd.Fd = -1;
            return false;
        }

        if (slot.Drain is { } drain && !drain.Drain())
        {
            return false; // an event source with nothing new (a timer re-armed while poll() ran)
        }

        report = new Event(slot.Registration.Token, PollFlags.ToReadiness(pollFd.Revents, _rdHup));
        if (slot.Registration.Mode == PollMode.Oneshot)
        {
            // -1 rather than events = 0: poll() reports POLLHUP and POLLERR even for events = 0.
            slot.Armed = false;
            pollFd.Fd = -1;
        }

        return true;
    }

    /// <summary>The slot index of the registration that <paramref name="entry"/> polled, or -1 when it is gone or changed.</summary>
    private int Resolve(int entry, int fd)
    {
        var id = _entryIds[entry];
        var index = entry - 1;
        if (index < _count && _slots[index].Id == id)
        {
            return index;
        }

        // Moved by a removal while poll() ran: ids are unique, so a match is the same registration.
        return _indexByFd.TryGetValue(fd, out index) && _slots[index].Id == id ? index : -1;
    }

    private PollSlot NewSlot(int fd, Registration registration, bool readHangUp) => new()
    {
        Fd = fd,
        Registration = registration,
        Events = PollFlags.ToPoll(registration.Interest, readHangUp ? _rdHup : (short)0),
        Id = ++_nextId,
        Armed = true,
    };
}
