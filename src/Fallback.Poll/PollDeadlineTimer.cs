using System;

namespace EporeX.Fallback;

/// <summary>
/// A timer with no kernel object, for a poll(2) queue without timerfd (every system but Linux): a
/// deadline in the queue's <see cref="PollDeadlines"/>, which the waiting thread folds into poll()'s
/// timeout. Expirations are counted here, from the clock, so a late loop counts the periods it missed.
/// All state is guarded by the queue's lock.
/// </summary>
internal sealed class PollDeadlineTimer : IEventQueueTimer
{
    private readonly PollEventQueue _queue;
    private long _period; // TimeSpan ticks; 0 for a one-shot
    private long _pending;
    private bool _oneShotDone;

    public PollDeadlineTimer(PollEventQueue queue, Token token)
    {
        _queue = queue;
        Token = token;
    }

    public Token Token { get; }

    /// <summary>Where the timer sits in the armed table; -1 while disarmed.</summary>
    internal int Index { get; set; } = -1;

    /// <summary>The next expiration, on the <see cref="PollDeadlines.Now"/> clock; valid while armed.</summary>
    internal long Deadline { get; private set; }

    /// <summary>True once a one-shot has expired: it leaves the armed table.</summary>
    internal bool IsOneShotDone => _oneShotDone;

    public void Arm(TimeSpan due, TimeSpan? period) => _queue.ChangeDeadline(this, due, period);

    public void Disarm() => _queue.ChangeDeadline(this, null, null);

    public long Consume() => _queue.ConsumeDeadline(this);

    public void Dispose() => _queue.ChangeDeadline(this, null, null);

    /// <summary>A new schedule from <paramref name="now"/>; discards what was not consumed.</summary>
    internal void Schedule(long now, TimeSpan due, TimeSpan? period)
    {
        // Zero: due now, so the next wait does not block. Otherwise one tick more, since now was truncated to a tick.
        Deadline = SaturatingAdd(now, due == TimeSpan.Zero ? 0 : due.Ticks + 1);
        _period = period is { } p ? Math.Max(1, p.Ticks) : 0;
        _pending = 0;
        _oneShotDone = false;
    }

    internal void Cancel()
    {
        _pending = 0;
        _oneShotDone = false;
    }

    /// <summary>Counts the expirations due by <paramref name="now"/> and moves the deadline past it; false when none.</summary>
    internal bool Expire(long now)
    {
        if (_oneShotDone || now < Deadline)
        {
            return false;
        }

        if (_period == 0)
        {
            _pending++;
            _oneShotDone = true;
            return true;
        }

        var periods = 1 + ((now - Deadline) / _period);
        _pending += periods;
        Deadline = SaturatingAdd(Deadline, periods * _period);
        return true;
    }

    internal long TakePending()
    {
        var pending = _pending;
        _pending = 0;
        return pending;
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
