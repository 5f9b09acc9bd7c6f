using System.Collections.Generic;
using System.Linq;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

public sealed class FairnessTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void With_more_ready_than_the_buffer_holds_the_next_waits_deliver_the_rest(string backend)
    {
        const int capacity = 4;
        const int ready = capacity * 3;
        using var poll = Backends.Open(backend);
        var endpoints = Enumerable.Range(0, ready).Select(_ => Endpoint.Create(Endpoint.SocketPair)).ToList();
        try
        {
            for (var i = 0; i < ready; i++)
            {
                endpoints[i].Register(poll.Registry, new Token((ulong)i), Interest.Readable);
                endpoints[i].PeerWrite(); // never drained: level-triggered, they stay ready
            }

            var events = new Events(capacity);
            var seen = new HashSet<ulong>();
            for (var round = 0; round < 3; round++)
            {
                Assert.Equal(capacity, poll.Wait(events, Waiting.Arrives));
                foreach (var e in events)
                {
                    Assert.True(e.IsReadable);
                    Assert.InRange(e.Token.Value, 0UL, (ulong)(ready - 1));
                    seen.Add(e.Token.Value);
                }
            }

            Assert.Equal(ready, seen.Count);
        }
        finally
        {
            endpoints.ForEach(e => e.Dispose());
        }
    }

    /// <summary>Every backend with a small and a middling buffer, each with a few more, about three times as many and hundreds more ready pipes than it holds.</summary>
    public static TheoryData<string, int, int> FillCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var backend in Backends.All())
        {
            foreach (var capacity in new[] { 4, 16 })
            {
                data.Add(backend, capacity, capacity + 1);
                data.Add(backend, capacity, (capacity * 3) - 1);
                data.Add(backend, capacity, 600); // beyond what one kevent call of libkqueue returns (512)
            }
        }

        return data;
    }

    /// <summary>
    /// Level readiness that outnumbers the buffer fills every wait, as epoll and a BSD kernel fill it (a
    /// wait never returns a remainder alone while more is ready), and every descriptor is delivered
    /// within two passes' worth of waits.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(FillCases))]
    public void Level_readiness_beyond_the_buffer_fills_every_wait_and_reaches_everyone(string backend, int capacity, int ready)
    {
        using var poll = Backends.Open(backend);
        var pipes = Enumerable.Range(0, ready).Select(_ => Native.Pipe()).ToList();
        try
        {
            for (var i = 0; i < ready; i++)
            {
                Assert.Equal(1, Native.WriteBytes(pipes[i].Write, 1)); // never drained: level-triggered, they stay ready
                poll.Registry.Register(pipes[i].Read, new Token((ulong)i), Interest.Readable);
            }

            var events = new Events(capacity);
            var seen = new HashSet<ulong>();
            var waits = 2 * ((ready + capacity - 1) / capacity);
            for (var wait = 0; wait < waits; wait++)
            {
                Assert.Equal(capacity, poll.Wait(events, Waiting.Arrives));
                foreach (var e in events)
                {
                    Assert.True(e.IsReadable);
                    seen.Add(e.Token.Value);
                }
            }

            Assert.Equal(ready, seen.Count);
        }
        finally
        {
            pipes.ForEach(p =>
            {
                Native.Close(p.Read);
                Native.Close(p.Write);
            });
        }
    }

    /// <summary>
    /// mio's rule for a buffer smaller than what is ready: what does not fit is delivered by a later wait, in
    /// edge mode too (the kernel keeps it queued), with both directions ready on every descriptor.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Edge_readiness_that_does_not_fit_the_buffer_is_delivered_by_later_waits(string backend)
    {
        const int capacity = 4;
        const int ready = capacity * 3;
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        var endpoints = Enumerable.Range(0, ready).Select(_ => Endpoint.Create(Endpoint.SocketPair)).ToList();
        try
        {
            for (var i = 0; i < ready; i++)
            {
                endpoints[i].PeerWrite(); // readable, and writable as every fresh socket
                endpoints[i].Register(poll.Registry, new Token((ulong)i), Interest.Readable | Interest.Writable, PollMode.Edge);
            }

            // A BSD kernel may hand one descriptor's two filters to two waits: readiness is gathered per token.
            var events = new Events(capacity);
            var seen = new Dictionary<ulong, Readiness>();
            for (var round = 0; round < ready * 2 && seen.Values.Count(r => r.HasFlag(Readiness.Readable | Readiness.Writable)) < ready; round++)
            {
                poll.Wait(events, System.TimeSpan.FromMilliseconds(200));
                foreach (var e in events)
                {
                    seen[e.Token.Value] = seen.GetValueOrDefault(e.Token.Value) | e.Readiness;
                }
            }

            Assert.Equal(ready, seen.Count);
            Assert.All(seen, pair => Assert.True(pair.Value.HasFlag(Readiness.Readable | Readiness.Writable), $"{pair.Key}: {pair.Value}"));
        }
        finally
        {
            endpoints.ForEach(e => e.Dispose());
        }
    }

    /// <summary>
    /// Readiness a wait could not deliver belongs to the registration it was seen under: once that is
    /// deregistered or given a new token, no later wait reports the old token.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Readiness_left_over_from_a_full_buffer_never_outlives_its_registration(string backend)
    {
        const int ready = 6;
        using var poll = Backends.Open(backend);
        var mode = poll.Capabilities.Supports(PollMode.Edge) ? PollMode.Edge : PollMode.Level;
        var endpoints = Enumerable.Range(0, ready).Select(_ => Endpoint.Create(Endpoint.SocketPair)).ToList();
        try
        {
            for (var i = 0; i < ready; i++)
            {
                endpoints[i].PeerWrite();
                endpoints[i].Register(poll.Registry, new Token((ulong)i), Interest.Readable | Interest.Writable, mode);
            }

            var events = new Events(1);
            Assert.Equal(1, poll.Wait(events, Waiting.Arrives));
            var first = events[0].Token.Value;
            var others = Enumerable.Range(0, ready).Select(i => (ulong)i).Where(t => t != first).ToList();
            var moved = others[0];
            endpoints[(int)moved].Reregister(poll.Registry, new Token(100 + moved), Interest.Readable | Interest.Writable, mode);
            foreach (var gone in others.Skip(1))
            {
                endpoints[(int)gone].Deregister(poll.Registry);
            }

            var seen = new List<ulong>();
            var more = new Events(16);
            for (var round = 0; round < 4; round++)
            {
                poll.Wait(more, System.TimeSpan.FromMilliseconds(100));
                seen.AddRange(more.Select(e => e.Token.Value));
            }

            Assert.DoesNotContain(seen, t => others.Contains(t));
            Assert.Contains(100 + moved, seen); // the new registration is reported, under its token
        }
        finally
        {
            endpoints.ForEach(e => e.Dispose());
        }
    }
}
