using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance.Sources;

/// <summary>
/// Timers and process exits as a user of polling's kqueue sources and of tokio expects them (missed periods
/// counted, an already-exited or non-child process reported, a bad pid a typed error), on every backend.
/// </summary>
public sealed class UpstreamParityTimerProcessTests
{
    private static readonly Token T = new(171);

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_late_loop_counts_the_missed_periods_when_due_and_period_differ(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        var due = TimeSpan.FromMilliseconds(20);
        var period = TimeSpan.FromMilliseconds(10);
        var clock = Stopwatch.StartNew();
        timer.Arm(due, period);
        var sinceArmed = Stopwatch.StartNew(); // started after the timer: it undercounts, never overcounts
        Thread.Sleep(220); // the loop is busy: the first expiration and about 20 periods after it pass
        var passedBeforeTheWait = 1 + (long)((sinceArmed.Elapsed - due) / period);

        poll.WaitFor(T, TimeSpan.FromSeconds(2));
        var count = timer.Consume();
        var elapsed = clock.Elapsed;

        // due at 20 ms, then 30, 40, … : every one that passed before the wait is counted (about 21).
        Assert.True(passedBeforeTheWait >= 20, $"slept {sinceArmed.Elapsed.TotalMilliseconds} ms");
        Assert.InRange(count, passedBeforeTheWait, 2 + (long)((elapsed - due) / period));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Consume_counts_expirations_that_no_wait_has_seen_yet(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.FromMilliseconds(10));
        Thread.Sleep(150); // expired, but nobody has waited

        // timerfd (epoll, poll(2)) and the poll-deadline timers count it at once; on kqueue the count comes
        // with the kevent, so Consume sees it only once a wait has delivered it. Either way it is never lost.
        var before = timer.Consume();
        var after = 0L;
        if (before == 0)
        {
            Assert.StartsWith("kqueue", backend, StringComparison.Ordinal);
            poll.WaitFor(T, TimeSpan.FromSeconds(1));
            after = timer.Consume();
        }

        Assert.Equal(1, before + after);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_periodic_timer_reports_new_periods_once_its_event_is_consumed(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));

        poll.WaitFor(T);

        // Not consumed: kqueue and poll(2) go on reporting each period, epoll does not (its timerfd restarts
        // a periodic count only when read) - as the docs now say. Once consumed, every backend reports again.
        _ = poll.EventsFor(T, TimeSpan.FromMilliseconds(100));
        Assert.True(timer.Consume() >= 1);
        poll.WaitFor(T, TimeSpan.FromSeconds(1));
        Assert.True(timer.Consume() >= 1);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_periodic_timer_rearmed_as_a_one_shot_fires_once(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));
        poll.WaitFor(T);

        timer.Arm(TimeSpan.FromMilliseconds(300)); // long enough that no busy core lets it expire before the Consume below
        Assert.Equal(0, timer.Consume());
        poll.WaitFor(T);
        Assert.Equal(1, timer.Consume());
        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Disarm_after_an_unwaited_expiration_reports_nothing(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));
        Thread.Sleep(40);

        timer.Disarm();

        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, timer.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void A_periodic_timer_disposed_while_armed_never_fires_again(string backend)
    {
        using var poll = Backends.Open(backend);
        var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));
        poll.WaitFor(T);
        Thread.Sleep(20);

        timer.Dispose();

        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(100));
        poll.AssertQuiet(T, TimeSpan.FromMilliseconds(50));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void The_longest_and_shortest_durations_are_accepted(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, T);
        timer.Arm(TimerSource.MaxDuration, TimerSource.MaxDuration);
        timer.Arm(TimerSource.MaxDuration);
        poll.AssertQuiet(T);

        timer.Arm(TimeSpan.FromTicks(1), TimeSpan.FromTicks(1)); // 100 ns periods
        poll.WaitFor(T);
        Thread.Sleep(20);
        Assert.True(timer.Consume() > 1);
        poll.WaitFor(T);
        timer.Disarm();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_Process_obtained_by_id_that_is_not_our_child_is_reported_when_it_exits(string backend)
    {
        using var poll = Backends.Open(backend);
        var clock = Stopwatch.StartNew(); // before the process: its 0.3 s sleep cannot end sooner on this clock
        using var parent = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 0.3 & echo $!; exec sleep 5"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        })!;
        try
        {
            var pid = int.Parse(parent.StandardOutput.ReadLine()!);
            using var other = Process.GetProcessById(pid);
            using var source = new ProcessExitSource(poll.Registry, T, other);

            poll.WaitFor(T, TimeSpan.FromSeconds(3));

            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"reported {clock.Elapsed.TotalMilliseconds} ms after the start");
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit(5000);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void An_unreaped_zombie_that_is_not_our_child_is_reported_at_once_by_pid(string backend)
    {
        using var poll = Backends.Open(backend);
        // sh starts a short sleep in the background, prints its pid, and becomes a long sleep that never reaps it.
        using var parent = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 0.05 & echo $!; exec sleep 5"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        })!;
        try
        {
            var pid = int.Parse(parent.StandardOutput.ReadLine()!);
            Thread.Sleep(300); // the grandchild has exited: a zombie of 'sleep 5'

            using var source = new ProcessExitSource(poll.Registry, T, pid);

            poll.WaitFor(T, TimeSpan.FromSeconds(1));
            poll.AssertQuiet(T, TimeSpan.FromMilliseconds(100));
        }
        finally
        {
            parent.Kill(); // only the process this test started
            parent.WaitForExit(5000);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_running_process_that_is_not_our_child_is_reported_when_it_exits(string backend)
    {
        using var poll = Backends.Open(backend);
        var clock = Stopwatch.StartNew(); // before the process: its 0.3 s sleep cannot end sooner on this clock
        using var parent = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 0.3 & echo $!; exec sleep 5"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        })!;
        try
        {
            var pid = int.Parse(parent.StandardOutput.ReadLine()!);
            using var source = new ProcessExitSource(poll.Registry, T, pid);

            poll.WaitFor(T, TimeSpan.FromSeconds(3));

            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"reported {clock.Elapsed.TotalMilliseconds} ms after the start");
            poll.AssertQuiet(T, TimeSpan.FromMilliseconds(100));
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit(5000);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_pid_that_never_existed_is_a_typed_error(string backend)
    {
        using var poll = Backends.Open(backend);
        var pid = int.MaxValue; // above every pid_max

        var e = Assert.Throws<ProcessNotFoundException>(() => new ProcessExitSource(poll.Registry, T, pid));

        Assert.Equal(pid, e.ProcessId);
        Assert.Equal(0, poll.Registry.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Two_sources_for_one_child_both_report_its_exit(string backend)
    {
        using var poll = Backends.Open(backend);
        using var child = ProcessExitSourceTests.Start("sleep 0.1; exit 7");
        using var a = new ProcessExitSource(poll.Registry, new Token(172), child);
        using var b = new ProcessExitSource(poll.Registry, new Token(173), child.Id);

        bool seenA = false, seenB = false;
        var events = new Events(16);
        var clock = Stopwatch.StartNew();
        while (!(seenA && seenB) && clock.Elapsed < Waiting.Arrives)
        {
            poll.Wait(events, TimeSpan.FromMilliseconds(50));
            foreach (var e in events)
            {
                seenA |= e.Token == new Token(172);
                seenB |= e.Token == new Token(173);
            }
        }

        Assert.True(seenA && seenB, $"Process overload {seenA}, pid overload {seenB}");
        Assert.True(child.WaitForExit(5000));
        Assert.Equal(7, child.ExitCode);
    }
}

/// <summary>
/// Signals as a tokio user expects them: several listeners of one signal each notified, registering a signal
/// again after dropping it, bursts never lost. SIGCONT (harmless) and SIGUSR1 (held by a source), in the
/// signal collection so nothing else counts them meanwhile.
/// </summary>
[Collection(SignalCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UpstreamParitySignalTests
{
    private static readonly Token A = new(181);
    private static readonly Token B = new(182);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Two_sources_of_one_signal_on_one_poll_both_see_it_and_disposing_one_leaves_the_other(string backend)
    {
        using var poll = Backends.Open(backend);
        using var a = new SignalSource(poll.Registry, A, PosixSignal.SIGCONT);
        var b = new SignalSource(poll.Registry, B, Signals.SIGCONT);

        Signals.ToSelf(Signals.SIGCONT);
        var seen = SeenWithin(poll, A, B);
        Assert.True(seen.A && seen.B, $"a {seen.A}, b {seen.B}");
        Assert.Equal(1, a.Consume());
        Assert.Equal(1, b.Consume());

        b.Dispose();
        Signals.ToSelf(Signals.SIGCONT);
        seen = SeenWithin(poll, A, B, TimeSpan.FromMilliseconds(500));
        Assert.True(seen.A, "a lost the signal after b was disposed");
        Assert.False(seen.B, "b reported after Dispose");
        Assert.Equal(1, a.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_signal_watched_again_after_Dispose_is_reported(string backend)
    {
        using var poll = Backends.Open(backend);
        new SignalSource(poll.Registry, A, PosixSignal.SIGCONT).Dispose();
        using var again = new SignalSource(poll.Registry, A, PosixSignal.SIGCONT);

        Signals.ToSelf(Signals.SIGCONT);

        poll.WaitFor(A);
        Assert.Equal(1, again.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_burst_is_at_least_one_event_and_no_round_is_lost(string backend)
    {
        using var poll = Backends.Open(backend);
        using var source = new SignalSource(poll.Registry, A, PosixSignal.SIGCONT);
        for (var i = 0; i < 20; i++)
        {
            Signals.ToSelf(Signals.SIGCONT);
        }

        poll.WaitFor(A);
        Thread.Sleep(100);
        _ = poll.EventsFor(A);
        Assert.InRange(source.Consume(), 1, 20);

        for (var round = 0; round < 30; round++)
        {
            Signals.ToSelf(Signals.SIGCONT);
            poll.WaitFor(A);
            var total = source.Consume();
            Assert.True(total >= 1, $"round {round}: the event came with nothing to consume");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Disposing_the_last_source_restores_the_disposition_and_not_before(string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads /proc/self/status");
        using var poll = Backends.Open(backend);
        var before = Caught(Signals.SIGUSR1);

        var a = new SignalSource(poll.Registry, A, Signals.SIGUSR1);
        var b = new SignalSource(poll.Registry, B, Signals.SIGUSR1);
        Assert.True(Caught(Signals.SIGUSR1));

        a.Dispose();
        Assert.True(Caught(Signals.SIGUSR1), "SIGUSR1 uncaught while a source remains");
        Signals.ToSelf(Signals.SIGUSR1); // b still holds it: the process lives
        poll.WaitFor(B);
        Assert.Equal(1, b.Consume());

        b.Dispose();
        Assert.Equal(before, Caught(Signals.SIGUSR1));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_SIGCHLD_source_sees_a_child_exit_and_the_runtime_still_reaps_it(string backend)
    {
        using var poll = Backends.Open(backend);
        using var source = new SignalSource(poll.Registry, A, PosixSignal.SIGCHLD);
        using var child = ProcessExitSourceTests.Start("exit 9");

        poll.WaitFor(A);
        Assert.True(source.Consume() >= 1);
        Assert.True(child.WaitForExit(5000), "the runtime did not reap the child while a SIGCHLD source existed");
        Assert.Equal(9, child.ExitCode);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void The_error_rows_of_every_source_hold(string backend)
    {
        var poll = Backends.Open(backend);
        foreach (var n in OperatingSystem.IsLinux() ? new[] { 4, 5, 6, 7, 8, 32, 33, 34 } : new[] { 4, 5, 6, 8, 10 })
        {
            Assert.Equal(n, Assert.Throws<UnsupportedSignalException>(() => new SignalSource(poll.Registry, A, n)).SignalNumber);
        }

        var timer = new TimerSource(poll.Registry, A);
        timer.Arm(TimeSpan.FromSeconds(10));
        var signal = new SignalSource(poll.Registry, B, PosixSignal.SIGCONT);
        using var child = ProcessExitSourceTests.Start("sleep 5");
        using var exited = ProcessExitSourceTests.Start("exit 0");
        Assert.True(exited.WaitForExit(5000));
        var exit = new ProcessExitSource(poll.Registry, new Token(183), child);
        try
        {
            poll.Dispose();

            Assert.Throws<ObjectDisposedException>(() => new SignalSource(poll.Registry, A, PosixSignal.SIGCONT));
            Assert.Throws<ObjectDisposedException>(() => new TimerSource(poll.Registry, A));
            Assert.Throws<ObjectDisposedException>(() => new ProcessExitSource(poll.Registry, A, child));
            Assert.Throws<ObjectDisposedException>(() => new ProcessExitSource(poll.Registry, A, exited)); // the already-exited path too
            Assert.Throws<ObjectDisposedException>(() => timer.Arm(TimeSpan.FromSeconds(1)));
            Assert.Throws<ObjectDisposedException>(() => timer.Disarm());

            Signals.ToSelf(Signals.SIGCONT); // the handler finds the Poll gone: nothing happens
            Thread.Sleep(50);

            // Dispose after the Poll's Dispose: nothing.
            timer.Dispose();
            timer.Dispose();
            signal.Dispose();
            signal.Dispose();
            exit.Dispose();
            exit.Dispose();
            Assert.Throws<ObjectDisposedException>(() => timer.Consume());
            Assert.Throws<ObjectDisposedException>(() => signal.Consume());
        }
        finally
        {
            child.Kill();
            child.WaitForExit(5000);
        }
    }

    private static (bool A, bool B) SeenWithin(Poll poll, Token a, Token b, TimeSpan? within = null)
    {
        var events = new Events(16);
        var clock = Stopwatch.StartNew();
        var limit = within ?? Waiting.Arrives;
        bool seenA = false, seenB = false;
        while (!(seenA && seenB) && clock.Elapsed < limit)
        {
            poll.Wait(events, TimeSpan.FromMilliseconds(50));
            foreach (var e in events)
            {
                seenA |= e.Token == a;
                seenB |= e.Token == b;
            }
        }

        return (seenA, seenB);
    }

    /// <summary>Whether the process catches <paramref name="signal"/> (its bit in /proc/self/status's SigCgt).</summary>
    private static bool Caught(int signal)
    {
        foreach (var line in File.ReadAllLines("/proc/self/status"))
        {
            if (line.StartsWith("SigCgt:", StringComparison.Ordinal))
            {
                var mask = Convert.ToUInt64(line["SigCgt:".Length..].Trim(), 16);
                return (mask & (1UL << (signal - 1))) != 0;
            }
        }

        throw new InvalidOperationException("no SigCgt line");
    }
}
