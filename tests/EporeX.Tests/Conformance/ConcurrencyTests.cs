using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

public sealed class ConcurrencyTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Register_from_another_thread_takes_effect_in_the_blocked_wait(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.PeerWrite(); // ready before it is registered
        var events = new Events(8);
        var clock = new Stopwatch();

        var waiter = Waiting.BlockedInBackground(() =>
        {
            clock.Start();
            return poll.Wait(events, TimeSpan.FromSeconds(10));
        });
        endpoint.Register(poll.Registry, new Token(3), Interest.Readable);

        Assert.True(waiter.Wait(TimeSpan.FromSeconds(5)), "the blocked wait did not see the registration");
        Assert.Equal(1, waiter.Result);
        Assert.Equal(new Token(3), events[0].Token);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Reregister_from_another_thread_takes_effect_in_the_blocked_wait(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.Register(poll.Registry, new Token(3), Interest.Readable); // not readable: nothing comes
        var events = new Events(8);

        var waiter = Waiting.BlockedInBackground(() => poll.Wait(events, TimeSpan.FromSeconds(10)));
        endpoint.Reregister(poll.Registry, new Token(4), Interest.Writable);

        Assert.True(waiter.Wait(TimeSpan.FromSeconds(5)), "the blocked wait did not see the new interest");
        Assert.Equal(new Token(4), events[0].Token);
        Assert.True(events[0].IsWritable);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Deregister_from_another_thread_silences_the_descriptor(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.Register(poll.Registry, new Token(3), Interest.Readable);
        endpoint.PeerWrite();
        endpoint.Deregister(poll.Registry);

        Assert.Empty(poll.WaitOnce(TimeSpan.FromMilliseconds(100)));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Dispose_while_another_thread_waits_makes_the_wait_return(string backend)
    {
        var poll = Backends.Open(backend);
        var events = new Events(8);
        var waiter = Waiting.BlockedInBackground(() =>
        {
            try
            {
                return poll.Wait(events, null);
            }
            catch (ObjectDisposedException)
            {
                return -1;
            }
        });

        Waiting.Bounded(TimeSpan.FromSeconds(5), poll.Dispose, "Dispose");

        Assert.True(waiter.Wait(TimeSpan.FromSeconds(5)), "the blocked wait did not return after Dispose");
        Assert.True(waiter.Result <= 0);
        Assert.Throws<ObjectDisposedException>(() => poll.Wait(events, TimeSpan.Zero));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_second_concurrent_wait_fails_clearly(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, new Token(1));
        var first = Waiting.BlockedInBackground(() => poll.Wait(new Events(4), TimeSpan.FromSeconds(10)));

        var e = Assert.Throws<InvalidOperationException>(() => poll.Wait(new Events(4), TimeSpan.Zero));
        Assert.Contains("already waiting", e.Message);

        waker.Wake();
        Assert.True(first.Wait(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, first.Result);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Registrations_from_many_threads_all_take_effect(string backend)
    {
        using var poll = Backends.Open(backend);
        var endpoints = Enumerable.Range(0, 64).Select(_ => Endpoint.Create(Endpoint.SocketPair)).ToArray();
        try
        {
            Parallel.For(0, endpoints.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            {
                endpoints[i].Register(poll.Registry, new Token((ulong)i), Interest.Readable);
                endpoints[i].PeerWrite();
            });

            Assert.Equal(64, poll.Registry.Count);
            var events = new Events(128);
            var seen = new System.Collections.Generic.HashSet<ulong>();
            var clock = Stopwatch.StartNew();
            while (seen.Count < 64 && clock.Elapsed < Waiting.Arrives)
            {
                poll.Wait(events, TimeSpan.FromMilliseconds(100));
                foreach (var e in events)
                {
                    seen.Add(e.Token.Value);
                }
            }

            Assert.Equal(64, seen.Count);
        }
        finally
        {
            foreach (var e in endpoints)
            {
                e.Dispose();
            }
        }
    }
}
