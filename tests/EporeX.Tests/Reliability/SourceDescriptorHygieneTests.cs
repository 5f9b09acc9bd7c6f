using System;
using System.Linq;
using EporeX.Tests.Conformance.Sources;
using EporeX.Tests.Support;

namespace EporeX.Tests.Reliability;

/// <summary>The event sources' descriptors (timerfd, pidfd, eventfd) are close-on-exec, closed on Dispose, and never leak when creation fails.</summary>
[Collection(SerialCollection.Name)] // counts the process's descriptors and lowers its descriptor limit
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SourceDescriptorHygieneTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Every_source_descriptor_is_close_on_exec_and_closed_on_Dispose(string backend)
    {
        using var poll = Backends.Open(backend);
        using var child = ProcessExitSourceTests.Start("sleep 5");
        try
        {
            CreateAndDispose(poll, child.Id); // first-use tables and native libraries
            var before = DescriptorTable.Baseline();

            var timer = new TimerSource(poll.Registry, new Token(1));
            var exit = new ProcessExitSource(poll.Registry, new Token(2), child.Id);
            var signal = new SignalSource(poll.Registry, new Token(3), System.Runtime.InteropServices.PosixSignal.SIGCONT);
            foreach (var fd in DescriptorTable.Open().Except(before))
            {
                Assert.True(Native.IsCloseOnExec(fd), $"descriptor {fd} of a {backend} event source is not FD_CLOEXEC");
            }

            timer.Dispose();
            exit.Dispose();
            signal.Dispose();
            DescriptorTable.AssertBackTo(before);
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Sources_disposed_after_their_Poll_still_close_their_descriptors(string backend)
    {
        var poll = Backends.Open(backend);
        CreateAndDispose(poll, Environment.ProcessId);
        var before = DescriptorTable.Baseline();
        var timer = new TimerSource(poll.Registry, new Token(1));
        var exit = new ProcessExitSource(poll.Registry, new Token(2), Environment.ProcessId);
        timer.Arm(TimeSpan.FromMilliseconds(1));

        poll.Dispose();
        timer.Dispose();
        exit.Dispose();

        // libkqueue frees a closed kqueue's knotes (an EVFILT_TIMER's own timerfd among them) on its
        // monitoring thread, shortly after the close: give it a moment.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (DescriptorTable.Open().Except(before).Any() && clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            System.Threading.Thread.Sleep(10);
        }

        Assert.Empty(DescriptorTable.Open().Except(before).Select(fd => $"{fd} -> {ReadLink(fd)}"));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_source_that_runs_out_of_descriptors_fails_with_EMFILE_and_leaks_nothing(string backend)
    {
        using var poll = Backends.Open(backend);
        CreateAndDispose(poll, Environment.ProcessId);
        var (soft, _) = NativeProcess.DescriptorLimit();
        var before = DescriptorTable.Baseline();
        var limit = (ulong)DescriptorTable.NextFree(1)[0]; // no descriptor to spare
        Exception? timer = null, exit = null, signal = null;
        Skip.IfNot(NativeProcess.TrySetDescriptorLimit(limit), "setrlimit(RLIMIT_NOFILE) is refused here");
        try
        {
            timer = Record.Exception(() => new TimerSource(poll.Registry, new Token(1)).Dispose());
            exit = Record.Exception(() => new ProcessExitSource(poll.Registry, new Token(2), Environment.ProcessId).Dispose());
            signal = Record.Exception(() => new SignalSource(poll.Registry, new Token(3), System.Runtime.InteropServices.PosixSignal.SIGCONT).Dispose());
        }
        finally
        {
            Assert.True(NativeProcess.TrySetDescriptorLimit(soft), "could not restore RLIMIT_NOFILE");
        }

        if (backend != "kqueue")
        {
            Assert.Equal(NativeProcess.EMFILE, Assert.IsAssignableFrom<EventQueueException>(timer).Errno); // timerfd (a kqueue timer is a knote: no descriptor of ours)
        }

        Assert.Equal(NativeProcess.EMFILE, Assert.IsAssignableFrom<EventQueueException>(exit).Errno);
        if (backend == "epoll")
        {
            Assert.Equal(NativeProcess.EMFILE, Assert.IsAssignableFrom<EventQueueException>(signal).Errno); // its waker's eventfd
        }

        DescriptorTable.AssertBackTo(before);
        Assert.Equal(0, poll.Registry.Count);
        using var working = new TimerSource(poll.Registry, new Token(1));
        working.Arm(TimeSpan.Zero);
        poll.WaitFor(new Token(1));
    }

    private static string ReadLink(int fd) =>
        new System.IO.FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? new System.IO.FileInfo($"/dev/fd/{fd}").LinkTarget ?? "?";

    private static void CreateAndDispose(Poll poll, int pid)
    {
        using var timer = new TimerSource(poll.Registry, new Token(1));
        using var exit = new ProcessExitSource(poll.Registry, new Token(2), pid);
        using var signal = new SignalSource(poll.Registry, new Token(3), System.Runtime.InteropServices.PosixSignal.SIGCONT);
        timer.Arm(TimeSpan.FromHours(1));
        poll.Wait(new Events(4), TimeSpan.Zero);
    }
}
