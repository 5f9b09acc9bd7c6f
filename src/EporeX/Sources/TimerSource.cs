using System;
using System.Threading;

namespace EporeX;

/// <summary>
/// A one-shot or periodic timer on the monotonic clock whose expirations a <see cref="Poll"/> reports as
/// ordinary readable events with the timer's <see cref="Token"/>, in the same
/// <see cref="Poll.Wait(Events, TimeSpan?)"/> as descriptors.
/// </summary>
/// <remarks>
/// <para>Mechanism: a timerfd (CLOCK_MONOTONIC) on epoll and poll(2) on Linux, EVFILT_TIMER on kqueue
/// (nanoseconds where the OS has NOTE_NSECONDS), and on poll(2) elsewhere a deadline the wait folds into
/// poll()'s timeout (millisecond granularity). <see cref="EventQueueCapabilities.Timers"/> tells whether
/// a backend hosts timers.</para>
/// <para>Semantics, the same on every backend: an expiration never comes early; a wait reports the token
/// once for one or more expirations since the timer's previous event (edge-like: an expiration you do not
/// <see cref="Consume"/> is not reported again; on epoll a periodic timer whose events are never consumed is
/// not reported again at all, because a timerfd restarts its periods only when read: consume every event);
/// <see cref="Consume"/> returns how many expirations
/// happened since it was last called, so periods missed by a late loop are counted, never queued as
/// separate events. <see cref="Arm"/> replaces the schedule and <see cref="Disarm"/> stops it; both
/// discard the expirations not yet consumed, and no wait that starts after they return reports the old
/// schedule. An event may find nothing to consume (a racing Arm or Consume took it): treat 0 as "not yet".</para>
/// <para>Nothing here allocates after construction: Arm, Disarm, Consume and the events cost 0 bytes.</para>
/// </remarks>
public sealed class TimerSource : IDisposable
{
    /// <summary>The longest due time or period: 2^62 nanoseconds (about 146 years), within every kernel's range.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromTicks((1L << 62) / 100);

    private readonly Registry _registry;
    private readonly IEventQueueTimer _inner;
    private int _disposed;

    /// <summary>Creates a disarmed timer on the Poll that owns <paramref name="registry"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The Poll is disposed.</exception>
    /// <exception cref="NotSupportedException">The backend hosts no timers (<see cref="EventQueueCapabilities.Timers"/>).</exception>
    /// <exception cref="EventQueueException">The kernel refused the timer (EMFILE…); nothing is left open.</exception>
    public TimerSource(Registry registry, Token token)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _inner = registry.CreateTimer(token);
        Token = token;
    }

    /// <summary>The token the timer's events carry.</summary>
    public Token Token { get; }

    /// <summary>
    /// Arms the timer, replacing any schedule it had: the first expiration comes <paramref name="due"/>
    /// from now (never earlier), then one every <paramref name="period"/>, or none more when it is null.
    /// </summary>
    /// <param name="due">Zero or positive; <see cref="TimeSpan.Zero"/> expires as soon as possible.</param>
    /// <param name="period">Null for a one-shot timer; otherwise positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="due"/> is negative, <paramref name="period"/> is zero or negative, or either exceeds <see cref="MaxDuration"/>.</exception>
    /// <exception cref="ObjectDisposedException">The timer or the Poll is disposed.</exception>
    public void Arm(TimeSpan due, TimeSpan? period = null)
    {
        if (due < TimeSpan.Zero || due > MaxDuration)
        {
            throw new ArgumentOutOfRangeException(nameof(due), due, $"The due time must be between zero and {MaxDuration}.");
        }

        if (period is { } p && (p <= TimeSpan.Zero || p > MaxDuration))
        {
            throw new ArgumentOutOfRangeException(nameof(period), p, $"The period must be positive and at most {MaxDuration}; pass null for a one-shot timer.");
        }

        ThrowIfDisposed();
        _registry.ChangeTimer(_inner, due, period);
    }

    /// <summary>Stops the timer and discards expirations not yet consumed; <see cref="Arm"/> starts it again.</summary>
    /// <exception cref="ObjectDisposedException">The timer or the Poll is disposed.</exception>
    public void Disarm()
    {
        ThrowIfDisposed();
        _registry.ChangeTimer(_inner, null, null);
    }

    /// <summary>
    /// Takes the expirations that happened since the last call (or since <see cref="Arm"/>): how many
    /// periods passed, 0 when none. Call it when the timer's event arrives: on kqueue the count comes with
    /// the timer's kevent, so before a wait has delivered it Consume returns 0 (the expiration is not lost:
    /// the next wait reports it); on timerfd and poll(2) deadlines it counts at once.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The timer is disposed.</exception>
    public long Consume()
    {
        ThrowIfDisposed();
        return _inner.Consume();
    }

    /// <summary>
    /// Stops the timer and releases its kernel object. No wait that starts after this returns reports the
    /// token (a wait already running on another thread may still report it once). Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _registry.DisposeSource(_inner);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
