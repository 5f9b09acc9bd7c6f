using System;
using System.Threading;
using EporeX.Unix;

namespace EporeX.Fallback;

/// <summary>
/// The queue's notification pipe (non-blocking, close-on-exec): one byte in it makes a blocked poll()
/// return. Notifications coalesce through a flag, so the pipe holds at most one byte and a write never
/// blocks. Registration changes, wakers and <see cref="PollEventQueue.Interrupt"/> all share it.
/// </summary>
internal sealed class PollNotifier : IDisposable
{
    private readonly WakePipe _pipe = new();
    private int _pending;

    /// <summary>The read end, for entry 0 of the pollfd array; valid while the queue is not disposed.</summary>
    public int ReadFd => _pipe.ReadFd;

    /// <summary>Makes the current or next poll() return. Never blocks; after <see cref="Dispose"/> it does nothing.</summary>
    public void Notify()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _pipe.Write(); // else a byte is already on its way
        }
    }

    /// <summary>
    /// Called by the waiting thread when poll() saw the pipe readable: empties it, then lets the next
    /// <see cref="Notify"/> write again. The exchange is a full fence, so whatever a notifier changed
    /// before it found the flag still set is visible to the waiter's next look at the table.
    /// </summary>
    public void Acknowledge()
    {
        _pipe.Drain();
        Interlocked.Exchange(ref _pending, 0);
    }

    public void Dispose() => _pipe.Dispose();
}
