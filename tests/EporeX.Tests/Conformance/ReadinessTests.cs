using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>What each backend reports for a descriptor's readiness, on a socketpair, a pipe and loopback TCP.</summary>
public sealed class ReadinessTests
{
    private static readonly Token T = new(7);

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKindsAndThirdParty), MemberType = typeof(Backends))]
    public void Readable_after_the_peer_writes(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable);

        poll.AssertQuiet(T);
        endpoint.PeerWrite(3);

        var e = poll.WaitFor(T);
        Assert.True(e.IsReadable, e.ToString());
        Assert.False(e.IsReadClosed, e.ToString());
        Assert.False(e.IsError, e.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithDuplexKindsAndThirdParty), MemberType = typeof(Backends))]
    public void Writable_once_connected(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Writable);

        var e = poll.WaitFor(T);
        Assert.True(e.IsWritable, e.ToString());
        Assert.False(e.IsReadable, e.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void Level_keeps_reporting_until_drained(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable, PollMode.Level);
        endpoint.PeerWrite(10);

        poll.WaitFor(T);
        Assert.Single(poll.EventsFor(T, Waiting.Arrives));
        Assert.Single(poll.EventsFor(T, Waiting.Arrives));

        Assert.Equal(10, endpoint.LocalReadAll());
        poll.AssertQuiet(T);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void Edge_reports_once_per_new_arrival(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable, PollMode.Edge);

        endpoint.PeerWrite(5);
        Assert.True(poll.WaitFor(T).IsReadable);
        poll.AssertQuiet(T); // not drained, but no new data: no new edge

        endpoint.PeerWrite(5);
        Assert.True(poll.WaitFor(T).IsReadable);
        poll.AssertQuiet(T);
        Assert.Equal(10, endpoint.LocalReadAll());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void Oneshot_reports_once_until_reregistered(string backend, string kind) =>
        ReportsOnceUntilReregistered(backend, kind, PollMode.Oneshot);

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void EdgeOneshot_reports_once_until_reregistered(string backend, string kind) =>
        ReportsOnceUntilReregistered(backend, kind, PollMode.EdgeOneshot);

    [SkippableTheory]
    [MemberData(nameof(Backends.WithDuplexKinds), MemberType = typeof(Backends))]
    public void Reregister_changes_the_interest_and_the_token(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable);
        poll.AssertQuiet(T); // writable, but not asked for

        var other = new Token(8);
        endpoint.Reregister(poll.Registry, other, Interest.Writable);
        var e = poll.WaitFor(other);
        Assert.True(e.IsWritable, e.ToString());
        poll.AssertQuiet(T);

        endpoint.Reregister(poll.Registry, T, Interest.Readable);
        poll.AssertQuiet(other);
        endpoint.PeerWrite(1);
        var r = poll.WaitFor(T);
        Assert.True(r.IsReadable && !r.IsWritable, r.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void Deregister_stops_events_and_the_descriptor_can_register_again(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable);
        endpoint.PeerWrite(1);
        endpoint.Deregister(poll.Registry);

        poll.AssertQuiet(T);
        Assert.False(poll.Registry.IsRegistered(endpoint.LocalFd));

        endpoint.Register(poll.Registry, T, Interest.Readable);
        Assert.True(poll.WaitFor(T).IsReadable);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void Read_closed_after_the_peer_shuts_down_writing(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable);

        endpoint.PeerShutdownWrite();

        var e = poll.WaitFor(T);
        Assert.True(e.IsReadClosed, e.ToString());
        if (kind != Endpoint.Pipe)
        {
            Assert.True(e.IsReadable, e.ToString()); // a socket's end of stream is readable; a pipe reports only the hang-up
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void Read_closed_after_the_peer_closes_with_data_left(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable);

        endpoint.PeerWrite(4);
        endpoint.ClosePeer();

        var e = poll.WaitFor(T);
        Assert.True(e.IsReadable, e.ToString());
        Assert.True(e.IsReadClosed, e.ToString());
        Assert.Equal(4, endpoint.LocalReadAll());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Write_closed_when_a_pipe_loses_its_reader(string backend)
    {
        using var poll = Backends.Open(backend);
        var (r, w) = Native.Pipe();
        try
        {
            poll.Registry.Register(w, T, Interest.Writable);
            Assert.True(poll.WaitFor(T).IsWritable);
            Native.Close(r);
            r = -1;
            var e = poll.WaitFor(T);
            Assert.True(e.IsWriteClosed || e.IsError, e.ToString());
            poll.Registry.Deregister(w);
        }
        finally
        {
            if (r >= 0)
            {
                Native.Close(r);
            }

            Native.Close(w);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Each_descriptor_reports_its_own_token(string backend)
    {
        using var poll = Backends.Open(backend);
        using var a = Endpoint.Create(Endpoint.SocketPair);
        using var b = Endpoint.Create(Endpoint.Pipe);
        a.Register(poll.Registry, new Token(1), Interest.Readable);
        b.Register(poll.Registry, new Token(ulong.MaxValue - 1), Interest.Readable);

        b.PeerWrite();
        Assert.True(poll.WaitFor(new Token(ulong.MaxValue - 1)).IsReadable);
        poll.AssertQuiet(new Token(1));
        a.PeerWrite();
        Assert.True(poll.WaitFor(new Token(1)).IsReadable);
    }

    private static void ReportsOnceUntilReregistered(string backend, string kind, PollMode mode)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, mode);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable, mode);

        endpoint.PeerWrite(1);
        Assert.True(poll.WaitFor(T).IsReadable);
        endpoint.PeerWrite(1);
        poll.AssertQuiet(T);

        endpoint.Reregister(poll.Registry, T, Interest.Readable, mode);
        Assert.True(poll.WaitFor(T).IsReadable);
        poll.AssertQuiet(T);
    }
}
