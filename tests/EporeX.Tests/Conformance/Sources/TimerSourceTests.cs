using System;
using System.Diagnostics;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance.Sources;

/// <summary>TimerSource on every backend (and poll(2) without timerfd): never early, one event per batch, missed periods counted, Disarm and re-Arm, quiet after Dispose.</summary>
public sealed class TimerSourceTests
{
    private static readonly Token T = new(71);

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void The_backend_says_it_hosts_timers(string backend)
    {
        using var poll = Backends.Open(backend);
        Assert.True(poll.Capabilities.Timers, $"{backend}: {poll.Capabilities}");
        Assert.True(poll.Registry.Capabilities.Timers);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_one_shot_fires_once_and_never_early(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        var due = TimeSpan.FromMilliseconds(60);
        var clock = Stopwatch.StartNew();
        timer.Arm(due);

        var e = poll.WaitFor(T);

        Assert.True(clock.Elapsed >= due, $"fired after {clock.Elapsed.TotalMilliseconds} ms, due {due.TotalMilliseconds} ms");
        Assert.True(e.IsReadable, e.ToString());
        Assert.Equal(1, timer.Consume());
        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(150));
        Assert.Equal(0, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_zero_due_time_fires_at_once(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.Zero);

        poll.WaitFor(T, TimeSpan.FromSeconds(2));

        Assert.Equal(1, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_periodic_timer_counts_the_periods_a_late_loop_missed_in_one_event(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        var period = TimeSpan.FromMilliseconds(10);
        var clock = Stopwatch.StartNew();
        timer.Arm(period, period);
        Thread.Sleep(120); // the loop is busy: eleven or more periods pass

        var events = poll.EventsFor(T, TimeSpan.FromSeconds(1));
        var count = timer.Consume();
        var elapsed = clock.Elapsed;

        Assert.Single(events);
        Assert.InRange(count, 11, (long)(elapsed / period));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_periodic_timer_reports_each_period_to_a_loop_that_keeps_up(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        var period = TimeSpan.FromMilliseconds(5);
        var clock = Stopwatch.StartNew();
        timer.Arm(period, period);

        long total = 0;
        var reports = 0;
        while (total < 20)
        {
            poll.WaitFor(T);
            total += timer.Consume();
            reports++;
        }

        Assert.True(clock.Elapsed >= period * 20, $"20 periods of 5 ms in {clock.Elapsed.TotalMilliseconds} ms");
        Assert.InRange(reports, 1, 40); // an event may find its expirations consumed by the previous Consume
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Due_and_period_may_differ(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        var clock = Stopwatch.StartNew();
        timer.Arm(TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(10));

        poll.WaitFor(T);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(40), $"first expiration after {clock.Elapsed.TotalMilliseconds} ms");
        long total = timer.Consume();
        while (total < 4)
        {
            poll.WaitFor(T);
            total += timer.Consume();
        }

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(40 + 30), $"four expirations after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void An_expiration_that_is_not_consumed_is_not_reported_again(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.FromMilliseconds(5));

        poll.WaitFor(T);
        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Disarm_stops_the_timer_and_drops_what_was_not_consumed(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));
        Thread.Sleep(30);

        timer.Disarm();

        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(150));
        Assert.Equal(0, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Arm_again_replaces_the_schedule(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);

        timer.Arm(TimeSpan.FromMilliseconds(20));
        timer.Arm(TimeSpan.FromHours(1));
        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(150));
        Assert.Equal(0, timer.Consume());

        var clock = Stopwatch.StartNew();
        timer.Arm(TimeSpan.FromMilliseconds(30));
        poll.WaitFor(T);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(30), $"fired after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(1, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_timer_rearmed_after_it_fired_fires_again(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        for (var i = 0; i < 3; i++)
        {
            timer.Arm(TimeSpan.FromMilliseconds(5));
            poll.WaitFor(T);
            Assert.Equal(1, timer.Consume());
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_timer_armed_from_another_thread_ends_a_wait_already_blocked(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        var events = new Events(8);
        var clock = Stopwatch.StartNew();
        var armedAt = TimeSpan.MaxValue;
        using var arming = new Timer(
            _ =>
            {
                var at = clock.Elapsed;
                timer.Arm(TimeSpan.FromMilliseconds(50));
                armedAt = at;
            },
            null,
            100,
            Timeout.Infinite);

        var n = poll.Wait(events, TimeSpan.FromSeconds(20)); // blocked before the timer exists: only the Arm can end it early
        var ended = clock.Elapsed;

        Assert.True(ended < TimeSpan.FromSeconds(10), $"the wait took {ended.TotalMilliseconds} ms");
        Assert.True(ended >= armedAt + TimeSpan.FromMilliseconds(50), $"the wait ended at {ended.TotalMilliseconds} ms, the timer was armed at {armedAt.TotalMilliseconds} ms for 50 ms");
        Assert.Equal(1, n);
        Assert.Equal(T, events[0].Token);
        Assert.Equal(1, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Nothing_is_reported_after_Dispose(string backend)
    {
        using var poll = Backends.Open(backend);
        var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(2));
        Thread.Sleep(20); // expirations are pending in the kernel

        timer.Dispose();
        timer.Dispose();

        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(100));
        Assert.Throws<ObjectDisposedException>(() => timer.Consume());
        Assert.Throws<ObjectDisposedException>(() => timer.Arm(TimeSpan.FromMilliseconds(1)));
        Assert.Throws<ObjectDisposedException>(() => timer.Disarm());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Many_timers_each_report_their_own_token(string backend)
    {
        using var poll = Backends.Open(backend);
        var timers = new TimerSource[8];
        for (var i = 0; i < timers.Length; i++)
        {
            timers[i] = new TimerSource(poll.Registry, new Token(100 + (ulong)i));
            timers[i].Arm(TimeSpan.FromMilliseconds(5 * (i + 1)));
        }

        try
        {
            var seen = 0;
            var events = new Events(16);
            var clock = Stopwatch.StartNew();
            while (seen != (1 << timers.Length) - 1 && clock.Elapsed < Waiting.Arrives)
            {
                poll.Wait(events, TimeSpan.FromMilliseconds(100));
                foreach (var e in events)
                {
                    seen |= 1 << (int)(e.Token.Value - 100);
                }
            }

            Assert.Equal((1 << timers.Length) - 1, seen);

            foreach (var timer in timers)
            {
                Assert.Equal(1, timer.Consume());
            }
        }
        finally
        {
            foreach (var timer in timers)
            {
                timer.Dispose();
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Bad_arguments_are_refused_and_leave_the_timer_working(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);

        Assert.Throws<ArgumentNullException>(() => new TimerSource(null!, T));
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Arm(TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Arm(TimeSpan.FromMilliseconds(1), TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Arm(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Arm(TimeSpan.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Arm(TimeSpan.Zero, TimeSpan.MaxValue));
        Assert.Equal(0, poll.Registry.Count);

        timer.Arm(TimeSpan.FromMilliseconds(5));
        poll.WaitFor(T);
        Assert.Equal(1, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_disposed_Poll_refuses_new_timers_and_changes(string backend)
    {
        var poll = Backends.Open(backend);
        var timer = new TimerSource(poll.Registry, T);
        poll.Dispose();

        Assert.Throws<ObjectDisposedException>(() => new TimerSource(poll.Registry, T));
        Assert.Throws<ObjectDisposedException>(() => timer.Arm(TimeSpan.FromMilliseconds(1)));
        timer.Dispose(); // still releases its descriptor
    }
}
