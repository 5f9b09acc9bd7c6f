using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>
/// Rules a mio/tokio/polling user relies on, the same on every backend: a new token replaces the old at
/// once in every mode, a oneshot registration that has fired is still registered, a long timeout is
/// honoured, and a peer's shutdown is read-closed whatever else is watched. Each was broken on kqueue
/// over libkqueue before the backend worked around it (docs/articles/backends.md: "kqueue on Linux (libkqueue)").
/// </summary>
public sealed class RegistrationRulesTests
{
    private static readonly Token Old = new(11);
    private static readonly Token New = new(12);
    private static readonly PollMode[] AllModes = [PollMode.Level, PollMode.Edge, PollMode.Oneshot, PollMode.EdgeOneshot];

    public static TheoryData<string, string, PollMode> BackendsKindsModes()
    {
        var data = new TheoryData<string, string, PollMode>();
        foreach (var row in Backends.WithReadableKinds())
        {
            foreach (var mode in AllModes)
            {
                data.Add((string)row[0], (string)row[1], mode);
            }
        }

        return data;
    }

    /// <summary>libkqueue keeps the old udata on EV_ADD of an existing knote: events came with the old token.</summary>
    [SkippableTheory]
    [MemberData(nameof(BackendsKindsModes))]
    public void A_new_token_replaces_the_old_at_once_in_every_mode(string backend, string kind, PollMode mode)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, mode);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, Old, Interest.Readable, mode);
        endpoint.PeerWrite(1); // stays readable: nothing reads it

        endpoint.Reregister(poll.Registry, New, Interest.Readable, mode);
        Assert.True(poll.WaitFor(New).IsReadable);
        for (var i = 0; i < 3; i++)
        {
            poll.AssertQuiet(Old);
        }

        // Once more after it reported: a fired oneshot re-armed under a third token, a level one changed.
        var third = new Token(13);
        endpoint.Reregister(poll.Registry, third, Interest.Readable, mode);
        Assert.True(poll.WaitFor(third).IsReadable);
        poll.AssertQuiet(New);
        poll.AssertQuiet(Old);
    }

    /// <summary>
    /// epoll keeps a fired EPOLLONESHOT registration (EEXIST), poll(2) keeps its entry; a kqueue deletes the
    /// fired knote, which the backend once took for a stale descriptor and registered the duplicate.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void A_fired_oneshot_registration_is_still_registered(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Oneshot);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, Old, Interest.Readable, PollMode.Oneshot);
        endpoint.PeerWrite(1);
        Assert.True(poll.WaitFor(Old).IsReadable);
        poll.AssertQuiet(Old); // fired: disarmed

        Assert.True(poll.Registry.IsRegistered(endpoint.LocalFd));
        var e = Assert.Throws<AlreadyRegisteredException>(() => endpoint.Register(poll.Registry, New, Interest.Readable, PollMode.Oneshot));
        Assert.Equal(endpoint.LocalFd, e.Descriptor);
        Assert.Throws<AlreadyRegisteredException>(() => poll.Registry.Register(endpoint.LocalFd, New, Interest.Readable));
        poll.AssertQuiet(New);
        poll.AssertQuiet(Old);

        // The registration that stayed is the one Reregister re-arms.
        endpoint.Reregister(poll.Registry, Old, Interest.Readable, PollMode.Oneshot);
        Assert.True(poll.WaitFor(Old).IsReadable);
        endpoint.Deregister(poll.Registry);
        Assert.Equal(0, poll.Registry.Count);
    }

    /// <summary>libkqueue converted the timespec to int milliseconds: 2³² ms + 25 ms came back after 25 ms.</summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_wait_beyond_two_to_the_32_milliseconds_does_not_return_early(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, New);
        var events = new Events(4);
        foreach (var milliseconds in new[] { (1L << 32) + 25, (1L << 31) + 25, (1L << 40) + 25 })
        {
            var clock = Stopwatch.StartNew();
            using var wake = Task.Run(() =>
            {
                Thread.Sleep(300);
                waker.Wake();
            });
            var n = 0;
            Waiting.Bounded(TimeSpan.FromSeconds(30), () => n = poll.Wait(events, TimeSpan.FromMilliseconds(milliseconds)), $"a wait of {milliseconds} ms");
            var elapsed = clock.Elapsed;
            wake.Wait();
            Assert.True(elapsed >= TimeSpan.FromMilliseconds(250), $"{backend}: a wait of {milliseconds} ms returned after {elapsed.TotalMilliseconds:F0} ms with {n} events");
            Assert.Contains(events, e => e.Token == New);
        }
    }

    /// <summary>
    /// libkqueue shares one epoll registration per descriptor between its two knotes, and a change used to
    /// leave it without EPOLLRDHUP: a peer's shutdown with data still buffered was not read-closed.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.WithDuplexKinds), MemberType = typeof(Backends))]
    public void A_peer_shutdown_with_data_left_is_read_closed_whatever_else_is_watched(string backend, string kind)
    {
        foreach (var (first, then) in new[]
        {
            (Interest.Readable | Interest.Writable, Interest.Readable | Interest.Writable),
            (Interest.Readable | Interest.Writable, Interest.Readable),
            (Interest.Readable, Interest.Readable | Interest.Writable),
            (Interest.Writable, Interest.Readable | Interest.Writable),
        })
        {
            using var poll = Backends.Open(backend);
            using var endpoint = Endpoint.Create(kind);
            endpoint.Register(poll.Registry, Old, first);
            endpoint.Reregister(poll.Registry, New, then);
            endpoint.PeerWrite(11);
            endpoint.PeerShutdownWrite();

            var closed = Enumerable.Range(0, 50).Select(_ => poll.WaitFor(New)).FirstOrDefault(e => e.IsReadClosed);
            Assert.True(closed.IsReadClosed && closed.IsReadable, $"{first} then {then}: never read-closed ({closed})");
            Assert.Equal(11, endpoint.LocalReadAll());
        }
    }

    /// <summary>A registration narrowed from both directions to reading stays edge-triggered (libkqueue dropped EPOLLET).</summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.WithDuplexKinds), MemberType = typeof(Backends))]
    public void Edge_stays_edge_when_the_interest_narrows(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, Old, Interest.Readable | Interest.Writable, PollMode.Edge);
        Assert.True(poll.WaitFor(Old).IsWritable);
        endpoint.Reregister(poll.Registry, New, Interest.Readable, PollMode.Edge);
        poll.EventsFor(New); // a change may report what is ready once

        endpoint.PeerWrite(1);
        Assert.True(poll.WaitFor(New).IsReadable);
        poll.AssertQuiet(New); // not drained, but no new arrival: an edge reports it once
        poll.AssertQuiet(Old);
    }
}
