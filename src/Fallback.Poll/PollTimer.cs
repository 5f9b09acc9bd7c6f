using System;
using System.Threading;
using EporeX.Linux;

namespace EporeX.Fallback;

/// <summary>
/// A timerfd in the pollfd set (Linux). poll() is level-triggered, so the waiting thread reads the
/// timerfd itself when poll() reports it and keeps the count here: one event per batch of expirations, as
/// on epoll and kqueue. <see cref="Consume"/> takes that count plus whatever the timerfd holds that no wait
/// has drained yet. Arm and Disarm run under the queue's lock, so a drain never mixes two schedules.
/// </summary>
internal sealed class PollTimer : IEventQueueTimer, IPollDrain
{
    private readonly PollEventQueue _queue;
    private readonly TimerFd _timer;
    private long _pending;

    public PollTimer(PollEventQueue queue, Token token)
    {
        _queue = queue;
        _timer = TimerFd.Create();
        try
        {
            queue.RegisterSource(_timer.Fd, new Registration(token, Interest.Readable, PollMode.Level, _timer.Handle), this);
        }
        catch
        {
            _timer.Dispose();
            throw;
        }
    }

    public void Arm(TimeSpan due, TimeSpan? period)
    {
        lock (_queue.Gate)
        {
            _timer.Set(due, period);
            _pending = 0;
        }
    }

    public void Disarm()
    {
        lock (_queue.Gate)
        {
            _timer.Clear();
            _pending = 0;
        }
    }

    public long Consume() => Interlocked.Exchange(ref _pending, 0) + _timer.Read();

    public bool Drain()
    {
        var count = _timer.Read();
        if (count == 0)
        {
            return false;
        }

        Interlocked.Add(ref _pending, count);
        return true;
    }

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        _queue.RemoveSource(_timer.Fd);
        _timer.Dispose();
    }
}
