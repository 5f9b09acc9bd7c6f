using System;
using System.Collections.Generic;
using System.Threading;

namespace EporeX;

/// <summary>
/// Wakes a <see cref="Poll"/> from another thread: the next (or the current, blocked)
/// <see cref="Poll.Wait(Events, TimeSpan?)"/> reports one event with the waker's token.
/// </summary>
/// <remarks>
/// Wakes coalesce: however many <see cref="Wake"/> calls come before a wait, it reports the token once,
/// and later waits report nothing more until the next <see cref="Wake"/>. Implemented with an eventfd
/// (epoll), EVFILT_USER (kqueue) or the queue's wake pipe (poll(2)).
/// </remarks>
public sealed class Waker : IDisposable
{
    private readonly Registry _registry;
    private readonly IEventQueueWaker _inner;
    private readonly KeyValuePair<string, object?> _metricsTag;
    private int _disposed;

    /// <summary>Creates a waker for the Poll that owns <paramref name="registry"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The Poll is disposed.</exception>
    public Waker(Registry registry, Token token)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _inner = registry.CreateWaker(token);
        Token = token;
        _metricsTag = EventQueueMetrics.Tag(registry.Backend);
    }

    /// <summary>The token the wake event carries.</summary>
    public Token Token { get; }

    /// <summary>Wakes the Poll. Never blocks, from any thread, however often.</summary>
    /// <exception cref="ObjectDisposedException">The waker is disposed.</exception>
    public void Wake()
    {
        _inner.Wake();
        if (EventQueueMetrics.WakeCounter.Enabled)
        {
            EventQueueMetrics.WakeCounter.Add(1, _metricsTag);
        }
    }

    /// <summary>Releases the waker's descriptor. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _registry.DisposeWaker(_inner);
        }
    }
}
