using System;
using System.Diagnostics;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance.Sources;

/// <summary>ProcessExitSource on every backend: the exit is reported once, Process keeps its exit code, bad pids are typed errors.</summary>
public sealed class ProcessExitSourceTests
{
    private static readonly Token P = new(81);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_childs_exit_is_reported_once_and_Process_still_has_its_exit_code(string backend)
    {
        using var poll = Backends.Open(backend);
        Assert.True(poll.Capabilities.ProcessExit, poll.Capabilities.ToString());
        using var child = Start("sleep 0.2; exit 3");
        using var source = new ProcessExitSource(poll.Registry, P, child);
        Assert.Equal(child.Id, source.ProcessId);

        var e = poll.WaitFor(P);

        Assert.True(e.IsReadable, e.ToString());
        Assert.True(child.WaitForExit(5000));
        Assert.Equal(3, child.ExitCode);
        poll.AssertQuiet(P, TimeSpan.FromMilliseconds(100));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_pid_is_watched_too(string backend)
    {
        using var poll = Backends.Open(backend);
        using var child = Start("sleep 0.2; exit 4");
        using var source = new ProcessExitSource(poll.Registry, P, child.Id);

        poll.WaitFor(P);

        Assert.True(child.WaitForExit(5000));
        Assert.Equal(4, child.ExitCode);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_process_that_has_already_exited_is_reported_at_once(string backend)
    {
        using var poll = Backends.Open(backend);
        using var child = Start("exit 5");
        Assert.True(child.WaitForExit(5000));

        using var source = new ProcessExitSource(poll.Registry, P, child);

        poll.WaitFor(P, TimeSpan.FromSeconds(1));
        poll.AssertQuiet(P);
        Assert.Equal(5, child.ExitCode);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Exits_mix_with_descriptors_and_timers_in_one_wait(string backend)
    {
        using var poll = Backends.Open(backend);
        var (r, w) = Native.Pipe();
        try
        {
            poll.Registry.Register(r, new Token(1), Interest.Readable);
            using var timer = new TimerSource(poll.Registry, new Token(2));
            using var child = Start("sleep 0.05");
            using var exit = new ProcessExitSource(poll.Registry, new Token(3), child);
            using var waker = new Waker(poll.Registry, new Token(4));
            timer.Arm(TimeSpan.FromMilliseconds(10));
            Native.WriteBytes(w, 1);
            waker.Wake();

            var seen = new bool[5];
            var events = new Events(16);
            var clock = Stopwatch.StartNew();
            while (!(seen[1] && seen[2] && seen[3] && seen[4]) && clock.Elapsed < Waiting.Arrives)
            {
                poll.Wait(events, TimeSpan.FromMilliseconds(100));
                foreach (var e in events)
                {
                    seen[(int)e.Token.Value] = true;
                }
            }

            Assert.True(seen[1] && seen[2] && seen[3] && seen[4], $"pipe {seen[1]}, timer {seen[2]}, exit {seen[3]}, waker {seen[4]}");
            poll.Registry.Deregister(r);
        }
        finally
        {
            Native.Close(r);
            Native.Close(w);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Nothing_is_reported_after_Dispose(string backend)
    {
        using var poll = Backends.Open(backend);
        using var child = Start("sleep 0.1");
        var source = new ProcessExitSource(poll.Registry, P, child);

        source.Dispose();
        source.Dispose();
        Assert.True(child.WaitForExit(5000));

        poll.AssertQuiet(P, TimeSpan.FromMilliseconds(150));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Bad_pids_are_typed_errors_and_leave_the_queue_intact(string backend)
    {
        using var poll = Backends.Open(backend);
        using var gone = Start("exit 0");
        Assert.True(gone.WaitForExit(5000)); // reaped by the runtime: its pid names nothing now

        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessExitSource(poll.Registry, P, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessExitSource(poll.Registry, P, -1));
        Assert.Throws<ArgumentNullException>(() => new ProcessExitSource(poll.Registry, P, (Process)null!));
        Assert.Throws<ArgumentNullException>(() => new ProcessExitSource(null!, P, 1));
        Assert.Throws<InvalidOperationException>(() => new ProcessExitSource(poll.Registry, P, new Process()));
        var e = Assert.Throws<ProcessNotFoundException>(() => new ProcessExitSource(poll.Registry, P, gone.Id));
        Assert.Equal(gone.Id, e.ProcessId);
        Assert.Equal(0, poll.Registry.Count);

        using var child = Start("sleep 0.05");
        using var source = new ProcessExitSource(poll.Registry, P, child);
        poll.WaitFor(P);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_disposed_Poll_refuses_new_sources(string backend)
    {
        var poll = Backends.Open(backend);
        poll.Dispose();

        Assert.Throws<ObjectDisposedException>(() => new ProcessExitSource(poll.Registry, P, Environment.ProcessId));
    }

    internal static Process Start(string script) =>
        Process.Start(new ProcessStartInfo("/bin/sh", ["-c", script]) { UseShellExecute = false })!;
}
