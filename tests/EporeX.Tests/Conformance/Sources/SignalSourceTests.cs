using System;
using System.Runtime.InteropServices;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance.Sources;

/// <summary>
/// SignalSource on every backend. SIGCONT is sent to this process with kill(2): harmless to a running
/// process, and no other test sends it. One class, so its tests never run at the same time.
/// </summary>
[Collection(SignalCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SignalSourceTests
{
    private static readonly Token S = new(91);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_signal_sent_with_kill_is_reported_with_its_count(string backend)
    {
        using var poll = Backends.Open(backend);
        using var source = new SignalSource(poll.Registry, S, PosixSignal.SIGCONT);
        Assert.Equal(PosixSignal.SIGCONT, source.Signal);

        var total = 0;
        for (var i = 0; i < 3; i++)
        {
            Signals.ToSelf(Signals.SIGCONT);
            var e = poll.WaitFor(S);
            Assert.True(e.IsReadable, e.ToString());
            total += source.Consume();
            Assert.Equal(i + 1, total);
        }

        poll.AssertQuiet(S);
        Assert.Equal(0, source.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Signals_before_a_wait_coalesce_into_one_event(string backend)
    {
        using var poll = Backends.Open(backend);
        using var source = new SignalSource(poll.Registry, S, Signals.SIGCONT);
        for (var i = 0; i < 5; i++)
        {
            Signals.ToSelf(Signals.SIGCONT);
            Thread.Sleep(20); // let the runtime's signal thread run the handler: a pending signal coalesces in the kernel
        }

        Thread.Sleep(200); // the runtime's signal thread runs the handlers: each wakes the Poll

        Assert.Single(poll.EventsFor(S, Waiting.Arrives)); // one wait: it returns once the handler ran, which a busy machine delays
        Assert.InRange(source.Consume(), 1, 5); // a lower bound: the kernel merges a signal sent while one is pending
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void The_default_action_is_suppressed_while_a_source_exists(string backend)
    {
        using var poll = Backends.Open(backend);
        using var source = new SignalSource(poll.Registry, S, Signals.SIGUSR1);

        Signals.ToSelf(Signals.SIGUSR1); // would end the test host without the source

        poll.WaitFor(S);
        Assert.Equal(1, source.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Nothing_is_reported_after_Dispose(string backend)
    {
        using var poll = Backends.Open(backend);
        var source = new SignalSource(poll.Registry, S, PosixSignal.SIGCONT);
        Signals.ToSelf(Signals.SIGCONT);
        Thread.Sleep(50); // the handler has run: the wake is pending

        source.Dispose();
        source.Dispose();
        Signals.ToSelf(Signals.SIGCONT);

        poll.AssertQuiet(S, TimeSpan.FromMilliseconds(150));
        Assert.Throws<ObjectDisposedException>(() => source.Consume());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Signals_mix_with_descriptors_and_timers_in_one_wait(string backend)
    {
        using var poll = Backends.Open(backend);
        var (r, w) = Native.Pipe();
        try
        {
            poll.Registry.Register(r, new Token(1), Interest.Readable);
            using var timer = new TimerSource(poll.Registry, new Token(2));
            using var source = new SignalSource(poll.Registry, new Token(3), PosixSignal.SIGCONT);
            timer.Arm(TimeSpan.FromMilliseconds(10));
            Native.WriteBytes(w, 1);
            Signals.ToSelf(Signals.SIGCONT);

            var seen = new bool[4];
            var events = new Events(16);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(seen[1] && seen[2] && seen[3]) && clock.Elapsed < Waiting.Arrives)
            {
                poll.Wait(events, TimeSpan.FromMilliseconds(100));
                foreach (var e in events)
                {
                    seen[(int)e.Token.Value] = true;
                }
            }

            Assert.True(seen[1] && seen[2] && seen[3], $"pipe {seen[1]}, timer {seen[2]}, signal {seen[3]}");
            Assert.Equal(1, source.Consume());
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
    public void Forbidden_and_unknown_signals_are_typed_errors(string backend)
    {
        using var poll = Backends.Open(backend);

        Assert.Equal(9, Assert.Throws<UnsupportedSignalException>(() => new SignalSource(poll.Registry, S, 9)).SignalNumber);
        Assert.Throws<UnsupportedSignalException>(() => new SignalSource(poll.Registry, S, Signals.SIGSTOP));
        Assert.Throws<UnsupportedSignalException>(() => new SignalSource(poll.Registry, S, 11)); // SIGSEGV
        Assert.Throws<UnsupportedSignalException>(() => new SignalSource(poll.Registry, S, 0));
        Assert.Throws<UnsupportedSignalException>(() => new SignalSource(poll.Registry, S, 65));
        Assert.Throws<UnsupportedSignalException>(() => new SignalSource(poll.Registry, S, (PosixSignal)(-100)));
        Assert.Throws<ArgumentNullException>(() => new SignalSource(null!, S, PosixSignal.SIGCONT));

        using var source = new SignalSource(poll.Registry, S, PosixSignal.SIGCONT);
        Signals.ToSelf(Signals.SIGCONT);
        poll.WaitFor(S);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Two_polls_watching_one_signal_both_see_it(string backend)
    {
        using var first = Backends.Open(backend);
        using var second = Backends.Open(backend);
        using var a = new SignalSource(first.Registry, S, PosixSignal.SIGCONT);
        using var b = new SignalSource(second.Registry, S, PosixSignal.SIGCONT);

        Signals.ToSelf(Signals.SIGCONT);

        first.WaitFor(S);
        second.WaitFor(S);
        Assert.Equal(1, a.Consume());
        Assert.Equal(1, b.Consume());
    }
}
