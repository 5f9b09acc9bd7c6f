using System;
using System.Runtime.InteropServices;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance.Sources;

/// <summary>0 bytes per Arm, per expiration consumed, per signal and per exit delivered (this thread's allocations, counted not timed).</summary>
[Collection(SignalCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SourceAllocationTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Arm_expire_Wait_and_Consume_allocate_nothing(string backend)
    {
        using var poll = Backends.Open(backend);
        using var timer = new TimerSource(poll.Registry, new Token(1));
        var events = new Events(8);

        void Round()
        {
            timer.Arm(TimeSpan.FromHours(1), TimeSpan.FromHours(1));
            timer.Disarm();
            timer.Arm(TimeSpan.Zero);
            var got = 0L;
            while (got == 0)
            {
                poll.Wait(events, TimeSpan.FromSeconds(1));
                got += timer.Consume();
            }
        }

        Allocations.AssertNone(Round);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_signal_delivered_and_consumed_allocates_nothing_on_the_loop(string backend)
    {
        using var poll = Backends.Open(backend);
        using var source = new SignalSource(poll.Registry, new Token(1), PosixSignal.SIGCONT);
        var events = new Events(8);

        void Round()
        {
            Signals.ToSelf(Signals.SIGCONT);
            var got = 0;
            while (got == 0)
            {
                poll.Wait(events, TimeSpan.FromSeconds(1));
                got += source.Consume();
            }
        }

        Allocations.AssertNone(Round, warmUp: 50, perBlock: 200, maxBlocks: 4);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void An_exit_delivered_allocates_nothing_on_the_loop(string backend)
    {
        using var poll = Backends.Open(backend);
        var events = new Events(8);
        using (var waker = new Waker(poll.Registry, new Token(2)))
        {
            poll.Wait(events, TimeSpan.Zero); // first-use tables, and the first call of each native entry point
            poll.Wait(events, TimeSpan.FromMilliseconds(1));
            waker.Wake();
            poll.Wait(events, TimeSpan.FromMilliseconds(10)); // a wait that delivers, once
        }

        // One exit per child, so each attempt is one block (see Allocations on why one block is not enough).
        var attempts = new System.Collections.Generic.List<long>();
        for (var attempt = 0; attempt < 4 && !attempts.Contains(0); attempt++)
        {
            using var child = ProcessExitSourceTests.Start("sleep 0.2");
            using var source = new ProcessExitSource(poll.Registry, new Token(1), child);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var n = 0;
            for (var i = 0; i < 500 && n == 0; i++)
            {
                n = poll.Wait(events, TimeSpan.FromMilliseconds(10));
            }

            attempts.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(1, n);
            Assert.Equal(new Token(1), events[0].Token);
        }

        Assert.True(attempts.Contains(0), $"bytes per exit awaited: {string.Join(", ", attempts)}");
    }
}
