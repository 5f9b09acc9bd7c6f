using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace EporeX;

/// <summary>
/// The one thread that waits: <see cref="Wait(Events, TimeSpan?)"/> blocks until a registered descriptor is
/// ready, a <see cref="Waker"/> wakes it, or the timeout passes. Registrations go through
/// <see cref="Registry"/>, from any thread.
/// </summary>
/// <remarks>
/// Create one with the one-liner <see cref="EventQueue.CreatePoll(string?)"/>, with a factory
/// (<see cref="EventQueueFactory.CreatePoll"/>), through dependency injection
/// (<c>services.AddEventQueue()</c>), or around any <see cref="IEventQueue"/>.
/// </remarks>
/// <example>
/// One thread waits on a listening socket and on a <see cref="Waker"/> that another thread uses to stop it:
/// <code>
/// using var poll = EventQueue.CreatePoll();        // the best backend here
/// using var waker = new Waker(poll.Registry, new Token(0));
/// poll.Registry.Register(listener, new Token(1), Interest.Readable);
///
/// var events = new Events(256);
/// while (true)
/// {
///     poll.Wait(events, timeout: null);            // null blocks until an event
///     foreach (var e in events)                    // allocates nothing
///     {
///         if (e.Token == new Token(0)) return;     // waker.Wake() from another thread
///         if (e.IsReadable) { /* accept until WouldBlock */ }
///     }
/// }
/// </code>
/// </example>
public sealed class Poll : IDisposable
{
    private readonly IEventQueue _queue;
    private readonly KeyValuePair<string, object?> _metricsTag;
    private long _lastReturn; // when the previous timed wait returned, for the dispatch time; 0 when untimed
    private int _waiting;
    private int _disposed;

    /// <summary>Wraps a backend's queue; the Poll owns it from now on and disposes it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="queue"/> is null.</exception>
    public Poll(IEventQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _queue = queue;
        Registry = new Registry(queue);
        _metricsTag = EventQueueMetrics.Tag(queue.Name);
    }

    /// <summary>Where descriptors are registered; shareable with other threads.</summary>
    public Registry Registry { get; }

    /// <summary>The backend's name: <c>epoll</c>, <c>kqueue</c>, <c>poll</c>.</summary>
    public string Backend => _queue.Name;

    /// <summary>The interests and modes this backend supports.</summary>
    public EventQueueCapabilities Capabilities => _queue.Capabilities;

    /// <summary>
    /// Waits for readiness and fills <paramref name="events"/> (cleared first). Returns how many events it
    /// delivered: 0 when the timeout passed, or when the Poll was disposed during the wait.
    /// </summary>
    /// <param name="events">The buffer to fill. More ready descriptors than it holds are delivered by the next waits.</param>
    /// <param name="timeout">
    /// Null: wait until something is ready. <see cref="TimeSpan.Zero"/>: never block. Positive: at most
    /// this long; a timeout below the backend's resolution is rounded up (a 0.5 ms wait sleeps, it never
    /// spins). A signal does not end the wait early: it resumes with the time that is left.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="events"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (use null for no limit).</exception>
    /// <exception cref="InvalidOperationException">Another thread is already waiting on this Poll.</exception>
    /// <exception cref="ObjectDisposedException">The Poll is disposed.</exception>
    public int Wait(Events events, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (timeout is { } t && t < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "The timeout must not be negative; pass null to wait without a limit.");
        }

        if (Interlocked.CompareExchange(ref _waiting, 1, 0) != 0)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            throw new InvalidOperationException("Another thread is already waiting on this Poll; only one thread may wait at a time.");
        }

        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            events.Clear();

            // Metrics: the clock is read only while a listener wants a duration (see EventQueueMetrics).
            var started = EventQueueMetrics.WaitsTimed ? Stopwatch.GetTimestamp() : 0;
            var count = _queue.Wait(events.Storage, timeout);
            events.SetCount(count);
            var returned = started != 0 ? Stopwatch.GetTimestamp() : 0;
            if (EventQueueMetrics.WaitsObserved)
            {
                EventQueueMetrics.RecordWait(_metricsTag, count, started, returned, _lastReturn);
            }

            _lastReturn = returned;
            return count;
        }
        finally
        {
            Volatile.Write(ref _waiting, 0);
        }
    }

    /// <summary>
    /// Closes the queue. A wait blocked on another thread returns promptly (with no events) before any
    /// descriptor is closed; every later call throws <see cref="ObjectDisposedException"/>. Calling it
    /// again does nothing.
    /// </summary>
    public void Dispose()
    {
        // The exchange is a full fence: a Wait that enters after it sees _disposed, and this thread sees
        // a Wait that entered before it.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Registry.Close();
        _queue.Interrupt();
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _waiting) != 0)
        {
            spinner.SpinOnce(sleep1Threshold: 20);
        }

        Registry.DisposeQueue();
    }
}
