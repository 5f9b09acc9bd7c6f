using System;
using System.Collections.Generic;
using System.Threading;

namespace EporeX;

/// <summary>
/// A loop's registrations, indexed by token: the low 32 bits of a token are a slot, the high 32 bits the
/// slot's generation, so a late event of a released registration never reaches the one that reuses its
/// slot. Changes take a lock; the loop thread reads without one (a grown table is copied, then published).
/// </summary>
internal sealed class RegistrationTable
{
    private readonly Lock _gate = new();
    private readonly Stack<int> _free = new();
    private IoRegistration?[] _slots = new IoRegistration?[16];
    private uint[] _generations = new uint[16];
    private int _used;
    private int _count;
    private bool _closed;

    /// <summary>How many registrations hold a slot.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gives <paramref name="registration"/> a slot and its token.</summary>
    /// <exception cref="ObjectDisposedException">The table is closed (its loop is disposed).</exception>
    public void Claim(IoRegistration registration, object owner)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, owner);
            int slot;
            if (_free.Count > 0)
            {
                slot = _free.Pop();
            }
            else
            {
                if (_used == _slots.Length)
                {
                    var slots = new IoRegistration?[_slots.Length * 2];
                    Array.Copy(_slots, slots, _used);
                    Array.Resize(ref _generations, slots.Length);
                    Volatile.Write(ref _slots, slots);
                }

                slot = _used++;
            }

            registration.Slot = slot;
            registration.Token = new Token(((ulong)_generations[slot] << 32) | (uint)slot);
            Volatile.Write(ref _slots[slot], registration);
            _count++;
        }
    }

    /// <summary>Frees the slot of <paramref name="registration"/>; its generation moves on. False when it held none.</summary>
    public bool Release(IoRegistration registration)
    {
        lock (_gate)
        {
            var slot = registration.Slot;
            if (slot < 0 || !ReferenceEquals(_slots[slot], registration))
            {
                return false;
            }

            Volatile.Write(ref _slots[slot], null);
            _generations[slot]++;
            _free.Push(slot);
            registration.Slot = -1;
            _count--;
            return true;
        }
    }

    /// <summary>The registration an event's token names, or null when it was released since (loop thread, no lock).</summary>
    public IoRegistration? Find(Token token)
    {
        var slots = Volatile.Read(ref _slots);
        var slot = (uint)token.Value;
        return slot < (uint)slots.Length && Volatile.Read(ref slots[slot]) is { } registration && registration.Token == token
            ? registration
            : null;
    }

    /// <summary>Every registration held now (loop thread, no lock; a slot released meanwhile reads null).</summary>
    public ReadOnlySpan<IoRegistration?> Snapshot() => Volatile.Read(ref _slots);

    /// <summary>Refuses new claims from now on, and returns what is registered.</summary>
    public IoRegistration?[] Close()
    {
        lock (_gate)
        {
            _closed = true;
            return _slots[.._used];
        }
    }
}
