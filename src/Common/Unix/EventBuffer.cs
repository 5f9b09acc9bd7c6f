using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// The native array a kernel wait writes its events into (epoll_event, kevent), allocated on the first
/// wait and grown only when a caller's <c>Events</c> is larger than any before, so steady-state waits
/// allocate nothing. Owned by one queue; freed on its Dispose.
/// </summary>
internal unsafe struct EventBuffer
{
    private byte* _start;
    private int _capacity;

    /// <summary>Room for at least <paramref name="count"/> entries of <paramref name="entrySize"/> bytes.</summary>
    public byte* Reserve(int count, int entrySize)
    {
        if (count > _capacity)
        {
            _start = (byte*)NativeMemory.Realloc(_start, (nuint)count * (nuint)entrySize);
            _capacity = count;
        }

        return _start;
    }

    public void Free()
    {
        NativeMemory.Free(_start);
        _start = null;
        _capacity = 0;
    }
}
