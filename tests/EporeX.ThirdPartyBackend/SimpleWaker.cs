using System;
using System.Threading;

namespace EporeX.ThirdPartyBackend;

/// <summary>A waker of <see cref="SimplePollQueue"/>: a pending flag and the queue's notification pipe.</summary>
internal sealed class SimpleWaker(SimplePollQueue queue, Token token) : IEventQueueWaker
{
    private int _pending;
    private bool _disposed;

    public Token Token => token;

    public bool IsPending => Volatile.Read(ref _pending) != 0;

    public void Wake()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            queue.Notify();
        }
    }

    public bool TakePending() => Interlocked.Exchange(ref _pending, 0) != 0;

    public void Dispose()
    {
        _disposed = true;
        queue.RemoveWaker(this);
    }
}
