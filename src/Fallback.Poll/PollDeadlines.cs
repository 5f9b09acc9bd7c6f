using System;
using System.Diagnostics;

namespace EporeX.Fallback;

/// <summary>
/// The armed timers of a poll(2) queue that has no timerfd: the wait folds the earliest deadline into
/// poll()'s timeout, and after poll() returns, reports each timer whose deadline has passed. Deadlines
/// are on the monotonic clock in TimeSpan ticks (<see cref="Now"/>): the unit of due times and periods,
/// and finer than poll()'s milliseconds. Not thread-safe: the queue's lock is held
/// around every call. A linear scan per Wait, like poll(2) itself over its descriptors.
/// </summary>
internal sealed class PollDeadlines
{
    private PollDeadlineTimer[] _armed = new PollDeadlineTimer[4];

    /// <summary>The monotonic clock in TimeSpan ticks (100 ns), the unit of due times and periods.</summary>
    public static long Now => Stopwatch.GetElapsedTime(0, Stopwatch.GetTimestamp()).Ticks;

    /// <summary>How many timers are armed.</summary>
    public int Count { get; private set; }

    /// <summary>Arms <paramref name="timer"/>'s schedule as of now, or re-arms it.</summary>
    public void Arm(PollDeadlineTimer timer, TimeSpan due, TimeSpan? period)
    {
        timer.Schedule(Now, due, period);
        if (timer.Index < 0)
        {
            if (Count == _armed.Length)
            {
                Array.Resize(ref _armed, Count * 2);
            }

            timer.Index = Count;
            _armed[Count++] = timer;
        }
    }

    /// <summary>Stops <paramref name="timer"/> and discards what it has not had consumed.</summary>
    public void Disarm(PollDeadlineTimer timer)
    {
        timer.Cancel();
        Remove(timer);
    }

    /// <summary>Counts what <paramref name="timer"/> has expired by now without an event (a Consume between waits), and takes the count.</summary>
    public long Consume(PollDeadlineTimer timer)
    {
        if (timer.Index >= 0 && timer.Expire(Now) && timer.IsOneShotDone)
        {
            Remove(timer);
        }

        return timer.TakePending();
    }

    /// <summary>
    /// <paramref name="milliseconds"/> (-1: no limit), shortened so that poll() returns no earlier than the
    /// earliest deadline and as soon after it as whole milliseconds allow (rounded up: never early).
    /// </summary>
    public int Clamp(int milliseconds)
    {
        var earliest = long.MaxValue;
        for (var i = 0; i < Count; i++)
        {
            earliest = Math.Min(earliest, _armed[i].Deadline);
        }

        var left = earliest - Now;
        if (left <= 0)
        {
            return 0;
        }

        var ms = (left + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return milliseconds >= 0 && milliseconds <= ms ? milliseconds : (int)Math.Min(ms, int.MaxValue);
    }

    /// <summary>One readable event per timer whose deadline has passed, as far as the buffer holds; the rest are reported by the next Wait.</summary>
    public int Deliver(Span<Event> events, int delivered)
    {
        var now = Now;
        for (var i = 0; i < Count && delivered < events.Length;)
        {
            var timer = _armed[i];
            if (!timer.Expire(now))
            {
                i++;
                continue;
            }

            events[delivered++] = new Event(timer.Token, Readiness.Readable);
            if (timer.IsOneShotDone)
            {
                Remove(timer); // swaps the last timer into slot i, which is looked at next
            }
            else
            {
                i++;
            }
        }

        return delivered;
    }

    /// <summary>Takes <paramref name="timer"/> out of the table, keeping its count; nothing when it is not there.</summary>
    private void Remove(PollDeadlineTimer timer)
    {
        var index = timer.Index;
        if (index < 0)
        {
            return;
        }

        var last = _armed[--Count];
        _armed[index] = last;
        last.Index = index;
        _armed[Count] = null!;
        timer.Index = -1;
    }
}
