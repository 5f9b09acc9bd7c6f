using System;

namespace EporeX;

/// <summary>
/// The backend contract: one kernel queue (mio's <c>Selector</c>). <c>Poll</c>, <c>Registry</c>
/// and <c>Waker</c> call it; applications do not. It is public so that a third party can write a
/// backend and plug it in with an <see cref="IEventQueueProvider"/>.
/// </summary>
/// <remarks>
/// <para>What the <c>Registry</c> guarantees to an implementation, so that it need not check again:
/// every descriptor is non-negative and, if it came from a handle object, referenced for the length of
/// the call; interest and mode are within <see cref="Capabilities"/>; calls that change registrations are
/// serialised with each other and with <see cref="IDisposable.Dispose"/>; <see cref="Register"/> is called
/// only for a descriptor that the library does not consider registered, <see cref="Reregister"/> and
/// <see cref="Deregister"/> only for one it does, with the registration it holds.</para>
/// <para>What an implementation guarantees: registration changes may run on any thread while another
/// thread is blocked in <see cref="Wait"/>, and take effect in that wait; <see cref="Wait"/> retries
/// EINTR with the time that is left; kernel refusals are thrown as <see cref="EventQueueException"/>
/// subclasses (see <see cref="EventQueueErrors"/>); nothing on the steady-state path allocates.</para>
/// </remarks>
public interface IEventQueue : IDisposable
{
    /// <summary>The backend's name, as <see cref="EventQueueOptions.Backend"/> spells it: <c>epoll</c>, <c>kqueue</c>, <c>poll</c>.</summary>
    string Name { get; }

    /// <summary>The interests and modes the backend supports.</summary>
    EventQueueCapabilities Capabilities { get; }

    /// <summary>Adds <paramref name="fd"/> to the kernel queue.</summary>
    void Register(int fd, Registration registration);

    /// <summary>Replaces the registration of <paramref name="fd"/>; also re-arms a fired oneshot.</summary>
    void Reregister(int fd, Registration previous, Registration next);

    /// <summary>Removes <paramref name="fd"/> from the kernel queue.</summary>
    void Deregister(int fd, Registration previous);

    /// <summary>
    /// Called when the library still holds a registration for <paramref name="fd"/> that was made through
    /// a raw descriptor, and the caller registers that number again. If the backend can prove that the
    /// old registration is gone (its descriptor was closed and the number reused), it forgets the old one,
    /// registers <paramref name="next"/> and returns true; otherwise it changes nothing and returns false,
    /// and the library reports a duplicate registration.
    /// </summary>
    bool TryReplaceStale(int fd, Registration stale, Registration next) => false;

    /// <summary>
    /// Waits for readiness and writes up to <c>events.Length</c> events. Returns how many it wrote: 0 when
    /// the timeout passed, or when <see cref="Interrupt"/> was called.
    /// </summary>
    /// <param name="events">Where to write the events; never empty.</param>
    /// <param name="timeout">Null: no limit. Zero: do not block. Positive: at most this long (validated,
    /// never negative). A backend with millisecond resolution rounds a fraction up.</param>
    int Wait(Span<Event> events, TimeSpan? timeout);

    /// <summary>
    /// Makes a <see cref="Wait"/> that is blocked on another thread return promptly, and every later one
    /// return at once. Used by <c>Poll.Dispose</c>; callable from any thread, any number of times.
    /// </summary>
    void Interrupt();

    /// <summary>Creates a waker whose <see cref="IEventQueueWaker.Wake"/> makes <see cref="Wait"/> report <paramref name="token"/>.</summary>
    IEventQueueWaker CreateWaker(Token token);

    /// <summary>
    /// Creates a disarmed timer whose expirations <see cref="Wait"/> reports as readable events with
    /// <paramref name="token"/>: one event per batch of expirations (edge-like), the count kept for
    /// <see cref="IEventQueueTimer.Consume"/>. Optional: a backend that hosts timers overrides it and sets
    /// <see cref="EventQueueCapabilities.Timers"/>; the default refuses.
    /// </summary>
    /// <exception cref="NotSupportedException">The backend has no timers (the default).</exception>
    IEventQueueTimer CreateTimer(Token token) =>
        throw new NotSupportedException($"The {Name} backend does not host timers (EventQueueCapabilities.Timers is false).");

    /// <summary>
    /// Starts watching process <paramref name="pid"/>: <see cref="Wait"/> reports one readable event with
    /// <paramref name="token"/> once it has exited (at once if it already has, while it is not yet reaped).
    /// It must not reap the process. Optional: a backend that can do this overrides it and sets
    /// <see cref="EventQueueCapabilities.ProcessExit"/>; the default refuses. Disposing the result stops watching.
    /// </summary>
    /// <exception cref="ProcessNotFoundException">No process <paramref name="pid"/> exists (any more).</exception>
    /// <exception cref="NotSupportedException">The backend cannot watch processes (the default).</exception>
    IDisposable CreateProcessExit(Token token, int pid) =>
        throw new NotSupportedException($"The {Name} backend cannot watch process exits (EventQueueCapabilities.ProcessExit is false).");
}

/// <summary>A backend's waker, owned by a <c>Waker</c>.</summary>
public interface IEventQueueWaker : IDisposable
{
    /// <summary>
    /// Makes the queue report the waker's token once. Never blocks; wakes coalesce until a wait reports
    /// the token. Throws <see cref="ObjectDisposedException"/> after <see cref="IDisposable.Dispose"/>.
    /// </summary>
    void Wake();
}
