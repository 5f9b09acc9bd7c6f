using System;
using System.Diagnostics;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

public sealed class TimeoutTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void Zero_returns_at_once(string backend)
    {
        using var poll = Backends.Open(backend);
        var events = new Events(8);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, poll.Wait(events, TimeSpan.Zero));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"100 non-blocking waits took {clock.Elapsed.TotalMilliseconds} ms");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void Fifty_milliseconds_returns_after_about_fifty(string backend)
    {
        using var poll = Backends.Open(backend);
        var events = new Events(8);
        var clock = Stopwatch.StartNew();

        Assert.Equal(0, poll.Wait(events, TimeSpan.FromMilliseconds(50)));

        Assert.InRange(clock.Elapsed.TotalMilliseconds, 49, 1000);
        Assert.True(events.IsEmpty);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void Half_a_millisecond_sleeps_rather_than_spins(string backend)
    {
        using var poll = Backends.Open(backend);
        var events = new Events(8);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            poll.Wait(events, TimeSpan.FromTicks(5_000));
        }

        // A timeout truncated to zero would make these 100 waits take microseconds.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(45), $"100 waits of 0.5 ms took {clock.Elapsed.TotalMilliseconds} ms");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_microsecond_also_sleeps(string backend)
    {
        using var poll = Backends.Open(backend);
        var events = new Events(8);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            poll.Wait(events, TimeSpan.FromTicks(10));
        }

        Assert.True(clock.Elapsed >= TimeSpan.FromTicks(200), $"20 waits of 1 µs took {clock.Elapsed.TotalMicroseconds} µs");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void An_event_ends_a_long_wait_early(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.Register(poll.Registry, new Token(1), Interest.Readable);
        endpoint.PeerWrite();
        var clock = Stopwatch.StartNew();

        Assert.Equal(1, poll.Wait(new Events(8), TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }
}
