using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Reliability;

/// <summary>
/// A stream of signals aimed at the waiting thread itself (pthread_kill, which is tgkill on Linux), so that
/// its epoll_wait/kevent/poll really returns EINTR: the wait neither throws nor returns early. SIGWINCH and
/// SIGCHLD are used because the runtime installs handlers for both (a handled signal interrupts a system
/// call; an ignored one would not), and neither terminates the process.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SignalTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_timed_wait_under_a_stream_of_signals_returns_at_its_timeout_with_nothing(string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(), "POSIX signals only");
        using var poll = Backends.Open(backend);
        using var counter = new SignalCounter();
        var events = new Events(8);
        var thread = 0UL;
        var started = new ManualResetEventSlim();
        var clock = new Stopwatch();

        var waiter = Task.Factory.StartNew(() =>
        {
            Volatile.Write(ref thread, NativeProcess.PthreadSelf());
            started.Set();
            clock.Start();
            var n = poll.Wait(events, Timeout);
            clock.Stop();
            return n;
        }, TaskCreationOptions.LongRunning);
        started.Wait();

        var sent = Bombard((nuint)Volatile.Read(ref thread), () => waiter.IsCompleted, TimeSpan.FromSeconds(5));

        Assert.True(waiter.Wait(TimeSpan.FromSeconds(10)), "the wait did not return");
        Assert.Equal(0, waiter.Result);
        Assert.True(clock.Elapsed >= Timeout - TimeSpan.FromMilliseconds(5), $"the wait returned early, after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.True(clock.Elapsed < Timeout + TimeSpan.FromSeconds(2), $"the wait overslept: {clock.Elapsed.TotalMilliseconds} ms");
        Assert.True(sent > 100, $"only {sent} signals were sent");
        var handled = counter.AwaitSome();
        output.WriteLine($"{backend}: Wait(2 s) returned 0 events after {clock.Elapsed.TotalMilliseconds:F1} ms; {sent} signals sent to the waiting thread, {handled} handler runs (pending signals coalesce)");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_blocked_wait_without_timeout_survives_signals_and_returns_for_the_waker(string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(), "POSIX signals only");
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, new Token(9));
        using var counter = new SignalCounter();
        var events = new Events(8);
        var thread = 0UL;
        var started = new ManualResetEventSlim();

        var waiter = Task.Factory.StartNew(() =>
        {
            Volatile.Write(ref thread, NativeProcess.PthreadSelf());
            started.Set();
            return poll.Wait(events, null);
        }, TaskCreationOptions.LongRunning);
        started.Wait();

        var clock = Stopwatch.StartNew();
        var sent = Bombard((nuint)Volatile.Read(ref thread), () => waiter.IsCompleted || clock.Elapsed > TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.False(waiter.IsCompleted, "Wait(null) returned because of a signal");

        waker.Wake();
        Assert.True(waiter.Wait(TimeSpan.FromSeconds(5)), "the waker did not end the wait");
        Assert.Equal(1, waiter.Result);
        Assert.Equal(new Token(9), events[0].Token);
        var handled = counter.AwaitSome();
        output.WriteLine($"{backend}: Wait(null) survived {sent} signals ({handled} handler runs) for 1 s, then returned the waker's event");
    }

    /// <summary>Sends SIGWINCH and SIGCHLD in turn to <paramref name="thread"/> until <paramref name="done"/>; returns how many it sent.</summary>
    private static int Bombard(nuint thread, Func<bool> done, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var sent = 0;
        while (!done() && clock.Elapsed < limit)
        {
            var signal = sent % 2 == 0 ? NativeProcess.SIGWINCH : NativeProcess.SIGCHLD;
            var result = NativeProcess.PthreadKill(thread, signal);
            if (result == 0)
            {
                sent++;
            }
            else if (!done())
            {
                throw new InvalidOperationException($"pthread_kill failed: {result}");
            }

            Thread.Sleep(1);
        }

        return sent;
    }

    /// <summary>Counts the runs of a handler for both signals; having one makes sure the runtime catches them.</summary>
    private sealed class SignalCounter : IDisposable
    {
        private readonly PosixSignalRegistration _winch;
        private readonly PosixSignalRegistration _child;
        private int _runs;

        public SignalCounter()
        {
            _winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => Interlocked.Increment(ref _runs));
            _child = PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => Interlocked.Increment(ref _runs));
        }

        /// <summary>The handlers run on a runtime thread after the fact: wait briefly for the first.</summary>
        public int AwaitSome()
        {
            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref _runs) == 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(10);
            }

            Assert.True(Volatile.Read(ref _runs) > 0, "no signal reached its handler");
            return Volatile.Read(ref _runs);
        }

        public void Dispose()
        {
            _winch.Dispose();
            _child.Dispose();
        }
    }
}
