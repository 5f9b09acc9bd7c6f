using System;
using System.Diagnostics;

namespace EporeX;

/// <summary>
/// Part of the backend kit: the time left of a wait, so that a kernel wait interrupted by a signal (EINTR; the .NET runtime sends
/// signals of its own) resumes with what remains rather than starting over or returning early.
/// </summary>
public readonly struct WaitTimeout
{
    private readonly long _deadline; // Stopwatch ticks; 0 when infinite or zero

    private WaitTimeout(TimeSpan? timeout, long deadline)
    {
        Timeout = timeout;
        _deadline = deadline;
    }

    /// <summary>What is left: null for no limit.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Starts the clock of a wait of <paramref name="timeout"/> (null: no limit; zero: do not block).</summary>
    public static WaitTimeout Start(TimeSpan? timeout) =>
        timeout is { } t && t > TimeSpan.Zero
            ? new WaitTimeout(t, Stopwatch.GetTimestamp() + ToStopwatchTicks(t))
            : new WaitTimeout(timeout, 0);

    /// <summary>The same deadline, with what is left now (never negative).</summary>
    public WaitTimeout Remaining()
    {
        if (_deadline == 0)
        {
            return this;
        }

        var left = _deadline - Stopwatch.GetTimestamp();
        return new WaitTimeout(left <= 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, left), _deadline);
    }

    /// <summary>
    /// The timeout in whole milliseconds for epoll_wait/poll: -1 for none, a fraction rounded up (so a
    /// 0.5 ms wait sleeps rather than spins), and at most int.MaxValue.
    /// </summary>
    public int Milliseconds => ToMilliseconds(Timeout);

    /// <summary>As <see cref="Milliseconds"/>, for any timeout.</summary>
    public static int ToMilliseconds(TimeSpan? timeout)
    {
        if (timeout is not { } t)
        {
            return -1;
        }

        var ms = (t.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return ms > int.MaxValue ? int.MaxValue : (int)ms;
    }

    /// <summary>True when the timeout has a part below one millisecond.</summary>
    public bool HasSubMillisecondPart => Timeout is { } t && t.Ticks % TimeSpan.TicksPerMillisecond != 0;

    private static long ToStopwatchTicks(TimeSpan t)
    {
        var seconds = t.Ticks / TimeSpan.TicksPerSecond;
        if (seconds > long.MaxValue / Stopwatch.Frequency / 2)
        {
            return long.MaxValue / 4;
        }

        return (long)(t.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));
    }
}
