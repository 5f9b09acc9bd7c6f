using System;
using System.Threading;

namespace EporeX.Fallback;

/// <summary>
/// A waker without a descriptor of its own: a pending flag plus the queue's notification pipe. Wakes
/// before a wait set the flag once and write at most one byte; the wait reports the token once and
/// clears the flag, so they coalesce. Any number of wakers share the one pipe.
/// </summary>
internal sealed class PollWaker : IEventQueueWaker
{
    private readonly PollEventQueue _queue;
    private int _pending;
    private int _disposed;

    public PollWaker(PollEventQueue queue, Token token)
    {
        _queue = queue;
        Token = token;
    }

    public Token Token { get; }

    public void Wake()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _queue.Notifier.Notify();
        }
    }

    /// <summary>Called by the waiting thread: true (and cleared) when a wake is pending.</summary>
    public bool TakePending() => Volatile.Read(ref _pending) != 0 && Interlocked.Exchange(ref _pending, 0) != 0;

    public bool IsPending => Volatile.Read(ref _pending) != 0;

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.RemoveWaker(this);
        }
    }
}
