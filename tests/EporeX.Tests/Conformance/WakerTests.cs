using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

public sealed class WakerTests
{
    private static readonly Token W = new(99);

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void Wake_from_another_thread_ends_a_blocked_wait(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, W);
        var events = new Events(8);
        var clock = Stopwatch.StartNew();
        using var wakeLater = Waiting.WakeAfter(waker, TimeSpan.FromMilliseconds(100));

        var n = poll.Wait(events, TimeSpan.FromSeconds(10));

        Assert.Equal(1, n);
        Assert.Equal(W, events[0].Token);
        Assert.True(events[0].IsReadable, events[0].ToString());
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(90), TimeSpan.FromSeconds(5));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_thousand_wakes_coalesce_into_one_event(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, W);
        for (var i = 0; i < 1000; i++)
        {
            waker.Wake();
        }

        Assert.Single(poll.EventsFor(W, Waiting.Arrives));
        poll.AssertQuiet(W);

        waker.Wake();
        Assert.Single(poll.EventsFor(W, Waiting.Arrives));
        poll.AssertQuiet(W);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void Wakes_from_many_threads_never_block_and_coalesce(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, W);
        Waiting.Bounded(TimeSpan.FromSeconds(20), () =>
        {
            var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                for (var i = 0; i < 10_000; i++)
                {
                    waker.Wake();
                }
            })).ToArray();
            foreach (var t in threads)
            {
                t.Start();
            }

            foreach (var t in threads)
            {
                t.Join();
            }
        }, "40,000 wakes");

        Assert.Single(poll.EventsFor(W, Waiting.Arrives));
        poll.AssertQuiet(W);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_waker_and_a_descriptor_are_told_apart(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, W);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.Register(poll.Registry, new Token(1), Interest.Readable);
        endpoint.PeerWrite();
        waker.Wake();

        var seen = poll.WaitOnce(Waiting.Arrives).Select(e => e.Token).ToHashSet();
        if (seen.Count < 2)
        {
            seen.UnionWith(poll.WaitOnce(Waiting.Arrives).Select(e => e.Token));
        }

        Assert.Contains(W, seen);
        Assert.Contains(new Token(1), seen);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_disposed_waker_refuses_to_wake_and_the_poll_goes_on(string backend)
    {
        using var poll = Backends.Open(backend);
        var waker = new Waker(poll.Registry, W);
        waker.Dispose();
        waker.Dispose();

        Assert.Throws<ObjectDisposedException>(waker.Wake);
        poll.AssertQuiet(W);

        using var again = new Waker(poll.Registry, W);
        again.Wake();
        Assert.Single(poll.EventsFor(W, Waiting.Arrives));
    }
}
