using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks.Sources;

namespace EporeX;

/// <summary>
/// The one reusable awaitable of one direction of an <see cref="AsyncFd"/> (the reader, the writer, or an
/// await on both): a <see cref="ManualResetValueTaskSourceCore{TResult}"/> reset for every wait, so a wait
/// that has to suspend allocates nothing. Its state is guarded by the owner's lock.
/// </summary>
/// <remarks>
/// A wait is busy from the moment it is started until its result is taken (<see cref="GetResult"/>); a
/// second wait started meanwhile is refused, because resetting the core under an awaiter that has not
/// read its result would hand that awaiter someone else's result.
/// </remarks>
internal sealed class ReadinessWaiter : IValueTaskSource<ReadyGuard>
{
    private const int Idle = 0;
    private const int Pending = 1;
    private const int Completed = 2;

    // A stale timer callback (one already queued when the next wait re-armed the timer) is told apart
    // by the time the current wait has run; the timer may fire this much early by the coarse clock.
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(16);

    private readonly AsyncFd _owner;
    private ManualResetValueTaskSourceCore<ReadyGuard> _core;
    private int _state;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private Timer? _timer;
    private long _timedStart;
    private int _timeout;

    public ReadinessWaiter(AsyncFd owner, bool inlineContinuations)
    {
        _owner = owner;
        _core.RunContinuationsAsynchronously = !inlineContinuations;
    }

    /// <summary>What the pending wait waits for; valid while <see cref="IsPending"/>.</summary>
    public Interest Interest { get; private set; }

    public bool IsPending => _state == Pending;

    public bool IsBusy => Volatile.Read(ref _state) != Idle;

    /// <summary>Starts a wait; the caller holds the owner's lock and has checked <see cref="IsBusy"/>.</summary>
    public short StartLocked(Interest interest, int timeout, CancellationToken token)
    {
        Debug.Assert(_state == Idle);
        _core.Reset();
        _state = Pending;
        Interest = interest;
        _token = token;
        _timeout = timeout;
        return _core.Version;
    }

    /// <summary>
    /// Arms cancellation and the timeout of a wait just started, outside the owner's lock (a token that is
    /// being cancelled runs its callback inline here).
    /// </summary>
    public void Arm(int timeout, CancellationToken token)
    {
        if (token.CanBeCanceled)
        {
            var registration = token.UnsafeRegister(static (state, cancelled) => ((ReadinessWaiter)state!).OnCancelled(cancelled), this);
            bool keep;
            lock (_owner.Gate)
            {
                keep = _state == Pending && _token == token;
                if (keep)
                {
                    _registration = registration;
                }
            }

            if (!keep)
            {
                registration.Unregister(); // it completed meanwhile, and found no registration to undo
            }
        }

        if (timeout > 0)
        {
            var timer = _timer ??= new Timer(static state => ((ReadinessWaiter)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
            lock (_owner.Gate)
            {
                if (_state != Pending)
                {
                    return;
                }

                _timedStart = Stopwatch.GetTimestamp();
                timer.Change(timeout, Timeout.Infinite);
            }
        }
    }

    /// <summary>
    /// Takes the pending wait for completion (the caller holds the owner's lock); complete it afterwards,
    /// outside the lock, with <see cref="Complete"/> or <see cref="Fail"/>.
    /// </summary>
    public CancellationTokenRegistration TakeLocked()
    {
        Debug.Assert(_state == Pending);
        _state = Completed;
        var registration = _registration;
        _registration = default;
        _token = default;
        if (_timeout > 0)
        {
            _timeout = 0;
            _timer?.Change(Timeout.Infinite, Timeout.Infinite);
        }

        return registration;
    }

    public void Complete(CancellationTokenRegistration registration, ReadyGuard guard)
    {
        registration.Unregister();
        _core.SetResult(guard);
    }

    public void Fail(CancellationTokenRegistration registration, Exception error)
    {
        registration.Unregister();
        _core.SetException(error);
    }

    /// <summary>Frees the timer; the owner is being disposed and its pending wait is already failed.</summary>
    public void DisposeTimer() => _timer?.Dispose();

    public ReadyGuard GetResult(short token)
    {
        if (token != _core.Version)
        {
            return _core.GetResult(token); // throws: this ValueTask was already consumed
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Volatile.Write(ref _state, Idle);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void OnCancelled(CancellationToken cancelled)
    {
        CancellationTokenRegistration registration;
        lock (_owner.Gate)
        {
            // A callback of an earlier wait's token may run late; only this wait's token counts.
            if (_state != Pending || _token != cancelled)
            {
                return;
            }

            registration = TakeLocked();
        }

        Fail(registration, new OperationCanceledException(cancelled));
    }

    private void OnTimer()
    {
        CancellationTokenRegistration registration;
        int timeout;
        lock (_owner.Gate)
        {
            timeout = _timeout;
            if (_state != Pending || timeout <= 0
                || Stopwatch.GetElapsedTime(_timedStart) < TimeSpan.FromMilliseconds(timeout) - TimerSlack)
            {
                return;
            }

            registration = TakeLocked();
        }

        Fail(registration, new TimeoutException($"The descriptor was not ready within {timeout} ms."));
    }
}
