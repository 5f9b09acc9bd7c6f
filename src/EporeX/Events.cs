using System;
using System.Collections;
using System.Collections.Generic;

namespace EporeX;

/// <summary>
/// A reusable buffer that <see cref="Poll.Wait(Events, TimeSpan?)"/> fills. Its capacity is fixed: when
/// more descriptors are ready than it holds, the next waits deliver the rest. Enumerating it with
/// <c>foreach</c> allocates nothing.
/// </summary>
public sealed class Events : IReadOnlyList<Event>
{
    private readonly Event[] _buffer;
    private int _count;

    /// <summary>Creates a buffer that holds up to <paramref name="capacity"/> events.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive.</exception>
    public Events(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _buffer = new Event[capacity];
    }

    /// <summary>How many events the buffer can hold.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>How many events the last wait delivered.</summary>
    public int Count => _count;

    /// <summary>True when the last wait delivered nothing (it timed out).</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The event at <paramref name="index"/>, which must be below <see cref="Count"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is negative or not below <see cref="Count"/>.</exception>
    public Event this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The buffer holds {_count} events.");
            }

            return _buffer[index];
        }
    }

    /// <summary>The delivered events as a span, valid until the next wait.</summary>
    public ReadOnlySpan<Event> AsSpan() => new(_buffer, 0, _count);

    /// <summary>Forgets the delivered events. <see cref="Poll.Wait(Events, TimeSpan?)"/> does this itself.</summary>
    public void Clear() => _count = 0;

    /// <summary>The whole storage, for the backend to fill.</summary>
    internal Span<Event> Storage => _buffer;

    internal void SetCount(int count) => _count = count;

    /// <summary>Returns a struct enumerator: <c>foreach</c> over <see cref="Events"/> allocates nothing.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<Event> IEnumerable<Event>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates the delivered events without allocating.</summary>
    public struct Enumerator : IEnumerator<Event>
    {
        // Copied in, so that a loop over the events does not read them through the Events object on
        // every step; like the events themselves, the enumerator is valid until the next wait.
        private readonly Event[] _buffer;
        private readonly int _count;
        private int _index;

        internal Enumerator(Events events)
        {
            _buffer = events._buffer;
            _count = events._count;
            _index = -1;
        }

        /// <inheritdoc />
        public readonly Event Current => _buffer[_index];

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc />
        public bool MoveNext() => ++_index < _count;

        /// <inheritdoc />
        public void Reset() => _index = -1;

        /// <inheritdoc />
        public readonly void Dispose()
        {
        }
    }
}
