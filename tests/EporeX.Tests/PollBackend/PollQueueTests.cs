using System;
using System.Diagnostics;
using System.Linq;
using EporeX.Fallback;
using EporeX.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EporeX.Tests.PollBackend;

/// <summary>What only the poll(2) backend has to take care of: its wake pipe, its own table, and hang-ups it must not spin on.</summary>
public sealed class PollQueueTests
{
    private const string Backend = PollProvider.BackendName;
    private static readonly Token T = new(7);

    [SkippableFact]
    public void A_fired_oneshot_whose_peer_hung_up_stays_quiet_without_spinning()
    {
        using var poll = Backends.Open(Backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.Register(poll.Registry, T, Interest.Readable, PollMode.Oneshot);
        endpoint.ClosePeer(); // POLLHUP from now on, which poll() reports even for events = 0

        Assert.True(poll.WaitFor(T).IsReadClosed);

        AssertSleeps(poll, TimeSpan.FromMilliseconds(300));
    }

    [SkippableFact]
    public void Deregister_while_a_wait_is_blocked_applies_to_that_wait()
    {
        using var poll = Backends.Open(Backend);
        using var removed = Endpoint.Create(Endpoint.SocketPair);
        using var added = Endpoint.Create(Endpoint.Pipe);
        removed.Register(poll.Registry, new Token(1), Interest.Readable);
        var events = new Events(8);
        var waiter = Waiting.BlockedInBackground(() => poll.Wait(events, TimeSpan.FromSeconds(10)));

        removed.Deregister(poll.Registry);
        removed.PeerWrite(); // ready now, but no longer registered
        added.PeerWrite();
        added.Register(poll.Registry, new Token(2), Interest.Readable);

        Assert.True(waiter.Wait(Waiting.Arrives), "the blocked wait did not see the changes");
        Assert.Equal([new Token(2)], events.Select(e => e.Token));
    }

    [SkippableFact]
    public void With_three_times_the_capacity_ready_three_waits_deliver_each_descriptor_exactly_once()
    {
        const int capacity = 16;
        using var poll = Backends.Open(Backend);
        var endpoints = Enumerable.Range(0, 100).Select(_ => Endpoint.Create(Endpoint.SocketPair)).ToList();
        try
        {
            for (var i = 0; i < endpoints.Count; i++)
            {
                endpoints[i].Register(poll.Registry, new Token((ulong)i), Interest.Readable);
            }

            var ready = Enumerable.Range(0, endpoints.Count).Where(i => i % 2 == 0).Take(capacity * 3).ToList();
            ready.ForEach(i => endpoints[i].PeerWrite()); // never drained: level-triggered, they stay ready

            var events = new Events(capacity);
            var delivered = Enumerable.Range(0, 3).SelectMany(_ =>
            {
                Assert.Equal(capacity, poll.Wait(events, Waiting.Arrives));
                return events.Select(e => (int)e.Token.Value).ToArray();
            }).ToList();

            // The scan starts where the last one stopped: no descriptor is served twice before all are served once.
            Assert.Equal(ready, delivered.Order());
        }
        finally
        {
            endpoints.ForEach(e => e.Dispose());
        }
    }

    [SkippableFact]
    public void Several_wakers_share_the_pipe_and_each_is_reported_once()
    {
        using var poll = Backends.Open(Backend);
        using var a = new Waker(poll.Registry, new Token(1));
        using var b = new Waker(poll.Registry, new Token(2));
        using var c = new Waker(poll.Registry, new Token(3));
        for (var i = 0; i < 100; i++)
        {
            a.Wake();
            b.Wake();
            c.Wake();
        }

        // A buffer of one: the wakes that do not fit stay pending and come in the next, non-blocking, waits.
        var events = new Events(1);
        var seen = Enumerable.Range(0, 3).Select(_ =>
        {
            Assert.Equal(1, poll.Wait(events, TimeSpan.Zero));
            return events[0].Token.Value;
        }).Order().ToArray();

        Assert.Equal([1UL, 2UL, 3UL], seen);
        Assert.Equal(0, poll.Wait(events, TimeSpan.FromMilliseconds(20)));
    }

    [SkippableFact]
    public void A_waker_outliving_its_Poll_wakes_nothing_and_fails_only_once_disposed()
    {
        var poll = Backends.Open(Backend);
        var waker = new Waker(poll.Registry, T);
        poll.Dispose();

        waker.Wake(); // the pipe is closed: nothing is written, nothing is thrown
        waker.Dispose();

        Assert.Throws<ObjectDisposedException>(waker.Wake);
    }

    [SkippableFact]
    public void The_poll_backend_composes_alone()
    {
        using var services = new ServiceCollection().AddEventQueueCore().AddPollBackend().BuildServiceProvider();
        var factory = services.GetRequiredService<EventQueueFactory>();

        Assert.Equal([Backend], factory.Report.Backends.Select(b => b.Name));
        Skip.IfNot(factory.Report.Backends[0].IsSupported, $"poll cannot run here: {factory.Report.Backends[0].Detail}");
        var poll = services.GetRequiredService<Poll>();
        Assert.Equal(Backend, poll.Backend);
        Assert.False(poll.Capabilities.Edge);
        Assert.True(poll.Capabilities.Oneshot);
        Assert.True(poll.Capabilities.RegularFiles);
    }

    [SkippableFact]
    public void Edge_modes_are_refused_naming_the_backends_that_have_them()
    {
        using var poll = Backends.Open(Backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        foreach (var mode in new[] { PollMode.Edge, PollMode.EdgeOneshot })
        {
            var e = Assert.Throws<NotSupportedException>(() => endpoint.Register(poll.Registry, T, Interest.Readable, mode));
            Assert.Contains($"PollMode.{mode}", e.Message);
            Assert.Contains("epoll or kqueue", e.Message);
        }
    }

    /// <summary>A wait that finds nothing returns after the timeout, having slept (not polled in a loop).</summary>
    internal static void AssertSleeps(Poll poll, TimeSpan timeout)
    {
        var events = new Events(8);
        var cpu = ThreadCpu.IsAvailable ? ThreadCpu.Used() : TimeSpan.Zero;
        var clock = Stopwatch.StartNew();

        Assert.Equal(0, poll.Wait(events, timeout));

        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(5), $"the wait returned after {clock.Elapsed.TotalMilliseconds} ms");
        if (ThreadCpu.IsAvailable)
        {
            var used = ThreadCpu.Used() - cpu;
            Assert.True(used < timeout / 10, $"a {timeout.TotalMilliseconds} ms wait used {used.TotalMilliseconds} ms of CPU: it spins");
        }
    }
}

/// <summary>Descriptors closed behind the queue's back: they reuse numbers, so they run alone.</summary>
[Collection(SerialCollection.Name)]
public sealed class PollClosedDescriptorTests
{
    private static readonly Token Old = new(1);
    private static readonly Token New = new(2);

    [SkippableFact]
    public void A_raw_descriptor_closed_while_registered_is_dropped_without_an_event_or_a_spin_and_its_number_registers_again()
    {
        using var poll = Backends.Open(PollProvider.BackendName);
        var (a, b) = Native.SocketPair();
        poll.Registry.Register(a, Old, Interest.Readable | Interest.Writable);
        Assert.True(poll.WaitFor(Old).IsWritable);
        Native.Close(a);
        Native.Close(b);

        PollQueueTests.AssertSleeps(poll, TimeSpan.FromMilliseconds(300)); // POLLNVAL: dropped, not reported, not polled again

        var (r, w) = Native.Pipe();
        try
        {
            Skip.IfNot(r == a, $"the kernel did not reuse descriptor {a} (got {r})");
            Native.WriteBytes(w, 1);
            poll.Registry.Register(r, New, Interest.Readable); // not a duplicate: the old one is known to be gone
            Assert.Equal(New, poll.WaitFor(New).Token);
            poll.AssertQuiet(Old);
            poll.Registry.Deregister(r);
        }
        finally
        {
            Native.Close(r);
            Native.Close(w);
        }
    }

    [SkippableFact]
    public void Changing_a_raw_descriptor_closed_while_registered_is_InvalidDescriptor_and_forgets_it()
    {
        using var poll = Backends.Open(PollProvider.BackendName);
        var (a, b) = Native.SocketPair();
        var (c, d) = Native.SocketPair();
        poll.Registry.Register(a, Old, Interest.Readable);
        poll.Registry.Register(c, New, Interest.Readable);
        Native.Close(a);
        Native.Close(c);

        Assert.Throws<InvalidDescriptorException>(() => poll.Registry.Deregister(a));
        Assert.Throws<InvalidDescriptorException>(() => poll.Registry.Reregister(c, New, Interest.Writable));

        Assert.Equal(0, poll.Registry.Count);
        Native.Close(b);
        Native.Close(d);
        PollQueueTests.AssertSleeps(poll, TimeSpan.FromMilliseconds(50));
    }
}
