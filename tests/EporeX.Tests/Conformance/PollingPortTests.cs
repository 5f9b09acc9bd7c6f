using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>
/// Second pass over the Rust polling crate's (smol-rs/polling) tests and documented guarantees, over every
/// backend: what <see cref="UpstreamPortTests"/> and the rest of Conformance do not cover yet, mostly
/// registrations changed from one thread while another is blocked in Wait, and wakes racing a wait.
/// Every wait is bounded and no assertion depends on another thread having been scheduled in time.
/// </summary>
public sealed class PollingPortTests
{
    private static readonly Token T = new(1);
    private static readonly Token T2 = new(2);
    private static readonly Token W = new(1_000_000);

    // polling tests/concurrent_modification.rs concurrent_add (a wait without a limit), with polling's
    // default mode (oneshot) and EporeX's (level). concepts.md: "null blocks until an event", and a
    // registration made while another thread is blocked in Wait applies to that wait.
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void A_source_added_during_an_unbounded_wait_is_reported_by_that_wait(string backend, bool oneshot)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, W); // frees the waiter if an assertion fails
        var (reader, writer) = Loopback.ConnectedPair();
        using var r = reader; using var w = writer;
        var events = new Events(8);
        var waiter = Waiting.BlockedInBackground(() => poll.Wait(events, null));
        try
        {
            poll.Registry.Register(r, T, Interest.Readable, oneshot ? PollMode.Oneshot : PollMode.Level);

            // Nothing is ready yet: the registration alone must not end a wait that has no limit.
            Assert.False(waiter.Wait(TimeSpan.FromMilliseconds(200)),
                $"{backend}: Wait(null) returned {(waiter.IsCompletedSuccessfully ? waiter.Result : -1)} events before anything was ready");

            w.Send(new byte[1]);
            Assert.True(waiter.Wait(Waiting.Arrives), $"{backend}: the blocked wait never reported the source added during it");
            Assert.Equal(1, waiter.Result);
            Assert.Equal(T, events[0].Token);
            Assert.True(events[0].IsReadable, events[0].ToString());
        }
        finally
        {
            waker.Wake();
            waiter.Wait(Waiting.Arrives);
        }
    }

    // polling tests/concurrent_modification.rs concurrent_modify, and lib.rs: oneshot is the default and
    // modify() re-enables interest. A fired oneshot re-armed from another thread while the wait blocks is
    // reported by that wait: data written after the re-arm (polling's order), or data already there.
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void A_fired_oneshot_rearmed_during_a_wait_is_reported_by_that_wait(string backend, bool alreadyReady)
    {
        using var poll = Backends.Open(backend);
        var (reader, writer) = Loopback.ConnectedPair();
        using var r = reader; using var w = writer;
        r.Blocking = false;
        poll.Registry.Register(r, T, Interest.Readable, PollMode.Oneshot);
        w.Send(new byte[1]);
        Assert.True(poll.WaitFor(T).IsReadable);
        if (!alreadyReady)
        {
            Assert.Equal(1, r.Receive(new byte[8]));
        }

        var events = new Events(8);
        var waiter = Waiting.BlockedInBackground(() => poll.Wait(events, TimeSpan.FromSeconds(30)));
        Assert.False(waiter.Wait(TimeSpan.FromMilliseconds(100)), $"{backend}: a fired oneshot ended the wait before it was re-armed");

        poll.Registry.Reregister(r, T, Interest.Readable, PollMode.Oneshot);
        if (!alreadyReady)
        {
            w.Send(new byte[1]);
        }

        Assert.True(waiter.Wait(Waiting.Arrives), $"{backend}: the blocked wait did not report the re-armed source");
        Assert.Equal(1, waiter.Result);
        Assert.Equal(T, events[0].Token);
        Assert.True(events[0].IsReadable, events[0].ToString());
    }

    // polling tests/concurrent_modification.rs, the other two changes: a Deregister, or a Reregister to a
    // new token, made while another thread is blocked in Wait, and data arriving only after the call
    // returned. The blocked wait never reports the old token (concepts.md: changes "apply to that wait").
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void A_source_changed_during_a_wait_is_never_reported_under_its_old_registration(string backend, bool reregister)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, W);
        for (var round = 0; round < 8; round++)
        {
            var (reader, writer) = Loopback.ConnectedPair();
            using var r = reader; using var w = writer;
            var old = new Token(10 + (ulong)round * 2);
            var next = new Token(11 + (ulong)round * 2);
            poll.Registry.Register(r, old, Interest.Readable);
            var events = new Events(8);
            var waiter = Waiting.BlockedInBackground(() => poll.Wait(events, TimeSpan.FromSeconds(30)));

            if (reregister)
            {
                poll.Registry.Reregister(r, next, Interest.Readable);
            }
            else
            {
                poll.Registry.Deregister(r);
            }

            w.Send(new byte[1]);
            if (!reregister)
            {
                waker.Wake();
            }

            Assert.True(waiter.Wait(Waiting.Arrives), $"{backend} round {round}: the blocked wait did not return");
            var tokens = events.Select(e => e.Token).ToList();
            Assert.DoesNotContain(old, tokens);
            Assert.Contains(reregister ? next : W, tokens);
            if (reregister)
            {
                poll.Registry.Deregister(r);
            }

            poll.Wait(events, TimeSpan.Zero); // whatever is left of this round (the waker) goes now
        }
    }

    // polling tests/notify.rs concurrent: notify() racing a wait without a limit, from a thread started
    // with no delay; lib.rs: notify "wakes up the current or the following invocation of wait()".
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_wake_racing_an_unbounded_wait_ends_it_every_round(string backend)
    {
        const int rounds = 200;
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, W);
        var events = new Events(8);
        var round = -1;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                for (var i = 0; i < rounds; i++)
                {
                    Volatile.Write(ref round, i);
                    var wake = new Thread(waker.Wake) { IsBackground = true };
                    wake.Start();
                    var n = poll.Wait(events, null);
                    if (n != 1 || events[0].Token != W)
                    {
                        throw new InvalidOperationException($"round {i}: {n} events, first {(n > 0 ? events[0].ToString() : "none")}");
                    }

                    wake.Join();
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = "racing waits" };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(60)))
        {
            var at = Volatile.Read(ref round);
            waker.Wake(); // frees the waiter
            Assert.Fail($"{backend}: a wake racing the wait of round {at} was lost: Wait(null) never returned");
        }

        Assert.Null(failure);
        poll.AssertQuiet(W);
    }

    // polling tests/many_connections.rs: 100 connections, written in random order, each reported alone
    // under its own key, then read and deleted; in polling's default mode (oneshot) and in level mode.
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void Many_connections_written_in_random_order_are_each_reported_alone(string backend, bool oneshot)
    {
        const int count = 100;
        using var poll = Backends.Open(backend);
        var pairs = new List<(int Id, Socket Reader, Socket Writer)>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var (reader, writer) = Loopback.ConnectedPair();
                pairs.Add((i, reader, writer));
                poll.Registry.Register(reader, new Token((ulong)i), Interest.Readable, oneshot ? PollMode.Oneshot : PollMode.Level);
            }

            var random = new Random(20261204);
            var remaining = pairs.ToList();
            var events = new Events(count);
            while (remaining.Count > 0)
            {
                var pick = random.Next(remaining.Count);
                var (id, reader, writer) = remaining[pick];
                remaining.RemoveAt(pick);
                writer.Send(new byte[1]);

                var n = poll.Wait(events, TimeSpan.FromSeconds(10));
                var seen = string.Join(", ", events.Select(e => e.ToString()));
                Assert.True(n == 1, $"{backend}: connection {id}: {n} events ({seen})");
                Assert.Equal(new Token((ulong)id), events[0].Token);
                Assert.True(events[0].IsReadable, seen);

                var buffer = new byte[1];
                Assert.Equal(1, reader.Receive(buffer));
                Assert.Equal(0, buffer[0]);
                poll.Registry.Deregister(reader);
            }

            Assert.Equal(0, poll.Registry.Count);
        }
        finally
        {
            foreach (var (_, reader, writer) in pairs)
            {
                reader.Dispose();
                writer.Dispose();
            }
        }
    }

    // polling's intended use (lib.rs: oneshot by default, re-enabled with modify(); add/modify/delete from
    // any thread while one thread waits), as async-io's reactor does: one thread only waits, another
    // drains each reported connection and re-arms it, a third writes a round once every connection is
    // re-armed. Each connection must be reported exactly once per round: never lost, never twice.
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void Oneshot_rearmed_by_another_thread_than_the_waiter_reports_every_round_once(string backend, bool edge)
    {
        const int count = 100;
        const int rounds = 5;
        using var poll = Backends.Open(backend);
        var mode = edge ? PollMode.EdgeOneshot : PollMode.Oneshot;
        Backends.RequireMode(poll, mode);
        using var waker = new Waker(poll.Registry, W);
        var pairs = Enumerable.Range(0, count).Select(_ => Loopback.ConnectedPair()).ToArray();
        var reported = new int[count];
        var rearmed = 0;
        var stop = false;
        var failures = new ConcurrentQueue<string>();
        using var ready = new BlockingCollection<int>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                pairs[i].Client.Blocking = false;
                poll.Registry.Register(pairs[i].Client, new Token((ulong)i), Interest.Readable, mode);
            }

            var waiterThread = new Thread(() =>
            {
                var events = new Events(16);
                try
                {
                    while (!Volatile.Read(ref stop))
                    {
                        poll.Wait(events, TimeSpan.FromSeconds(1));
                        foreach (var e in events)
                        {
                            if (e.Token != W)
                            {
                                ready.Add((int)e.Token.Value);
                            }
                        }
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue("waiter: " + e);
                }
            })
            { IsBackground = true, Name = "waiter" };
            var rearmThread = new Thread(() =>
            {
                var buffer = new byte[64];
                try
                {
                    foreach (var id in ready.GetConsumingEnumerable())
                    {
                        var socket = pairs[id].Client;
                        while (socket.Available > 0)
                        {
                            socket.Receive(buffer);
                        }

                        Interlocked.Increment(ref reported[id]);
                        poll.Registry.Reregister(socket, new Token((ulong)id), Interest.Readable, mode);
                        Interlocked.Increment(ref rearmed);
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue("re-arm: " + e);
                }
            })
            { IsBackground = true, Name = "re-arm" };
            waiterThread.Start();
            rearmThread.Start();

            var clock = Stopwatch.StartNew();
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var (_, server) in pairs)
                {
                    server.Send(new byte[1]);
                }

                var target = round * count;
                while (Volatile.Read(ref rearmed) < target && clock.Elapsed < TimeSpan.FromSeconds(60) && failures.IsEmpty)
                {
                    Thread.Sleep(5);
                }

                Assert.True(failures.IsEmpty, string.Join("\n", failures));
                var missing = Enumerable.Range(0, count).Where(i => Volatile.Read(ref reported[i]) < round).ToList();
                var twice = Enumerable.Range(0, count).Where(i => Volatile.Read(ref reported[i]) > round).ToList();
                Assert.True(missing.Count == 0 && twice.Count == 0,
                    $"{backend} {mode} round {round}: never reported: [{string.Join(",", missing)}]; reported more than once: [{string.Join(",", twice)}]");
            }

            Volatile.Write(ref stop, true);
            waker.Wake();
            Assert.True(waiterThread.Join(Waiting.Arrives), "the waiter did not stop");
            ready.CompleteAdding();
            Assert.True(rearmThread.Join(Waiting.Arrives), "the re-arm thread did not stop");
            Assert.True(failures.IsEmpty, string.Join("\n", failures));
            Assert.All(reported, n => Assert.Equal(rounds, n));
        }
        finally
        {
            Volatile.Write(ref stop, true);
            waker.Wake();
            if (!ready.IsAddingCompleted)
            {
                ready.CompleteAdding();
            }

            foreach (var (client, server) in pairs)
            {
                client.Dispose();
                server.Dispose();
            }
        }
    }

    // polling tests/other_modes.rs edge_oneshot_triggered, to the letter: after a partial read the fired
    // registration is silent, and once modify() re-enables it a wait that does not block (timeout 0)
    // already reports what is left; the same for plain oneshot.
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void A_rearmed_oneshot_with_data_left_is_reported_by_a_zero_timeout_wait(string backend, bool edge)
    {
        using var poll = Backends.Open(backend);
        var mode = edge ? PollMode.EdgeOneshot : PollMode.Oneshot;
        Backends.RequireMode(poll, mode);
        var (reader, writer) = Loopback.ConnectedPair();
        using var r = reader; using var w = writer;
        r.Blocking = false;
        poll.Registry.Register(r, T, Interest.Readable, mode);
        w.Send(new byte[5]);
        Assert.True(poll.WaitFor(T).IsReadable);
        Assert.Equal(3, r.Receive(new byte[3]));
        var events = new Events(8);
        Assert.Equal(0, poll.Wait(events, TimeSpan.Zero));

        poll.Registry.Reregister(r, T, Interest.Readable, mode);
        Assert.Equal(1, poll.Wait(events, TimeSpan.Zero));
        Assert.Equal(T, events[0].Token);
        Assert.True(events[0].IsReadable, events[0].ToString());
        Assert.Equal(0, poll.Wait(events, TimeSpan.Zero));
    }

    // polling lib.rs, Poller::add: interest in both directions may be delivered together or separately;
    // Poller::modify to a new key and interest from another thread while the poller waits. A socket
    // registered Writable under T, changed to Readable | Writable under T2 during a wait: every event of
    // that wait and the next ones carries T2 only.
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_new_key_set_during_a_wait_is_the_only_one_reported_from_then_on(string backend)
    {
        using var poll = Backends.Open(backend);
        var (reader, writer) = Loopback.ConnectedPair();
        using var r = reader; using var w = writer;
        r.Blocking = false;
        poll.Registry.Register(r, T, Interest.Readable, PollMode.Oneshot);
        var events = new Events(8);
        var waiter = Waiting.BlockedInBackground(() => poll.Wait(events, TimeSpan.FromSeconds(30)));
        poll.Registry.Reregister(r, T2, Interest.Readable | Interest.Writable, PollMode.Level);
        Assert.True(waiter.Wait(Waiting.Arrives), $"{backend}: the new interest did not end the blocked wait");
        Assert.All(events, e => Assert.Equal(T2, e.Token));
        Assert.Contains(events, e => e.IsWritable);

        w.Send(new byte[1]);
        var clock = Stopwatch.StartNew();
        var readable = false;
        while (!readable && clock.Elapsed < Waiting.Arrives)
        {
            poll.Wait(events, TimeSpan.FromMilliseconds(100));
            Assert.All(events, e => Assert.Equal(T2, e.Token));
            readable = events.Any(e => e.IsReadable);
        }

        Assert.True(readable, $"{backend}: never readable under the new key");
    }

    // polling lib.rs, PollMode::Oneshot: one event per source, then interest must be re-enabled with
    // modify() (epoll's EPOLLONESHOT disarms the whole registration). concepts.md: Oneshot is reported
    // "once, then disarmed until Reregister arms it again"; backends.md: the two kqueue knotes of a
    // Readable | Writable oneshot are disarmed as a pair at the first report. Here the registration is
    // made (or re-armed) by another thread while the wait blocks: it reports writable, and data that
    // arrives afterwards must not be reported before the next Reregister.
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void A_two_interest_oneshot_armed_during_a_wait_is_reported_once(string backend, bool rearm)
    {
        using var poll = Backends.Open(backend);
        for (var round = 0; round < 3; round++)
        {
            var (reader, writer) = Loopback.ConnectedPair();
            using var r = reader; using var w = writer;
            r.Blocking = false;
            if (rearm)
            {
                poll.Registry.Register(r, T, Interest.Readable | Interest.Writable, PollMode.Oneshot);
                Assert.True(poll.WaitFor(T).IsWritable);
                poll.AssertQuiet(T);
            }

            var events = new Events(8);
            var waiter = Waiting.BlockedInBackground(() => poll.Wait(events, TimeSpan.FromSeconds(30)));
            if (rearm)
            {
                poll.Registry.Reregister(r, T, Interest.Readable | Interest.Writable, PollMode.Oneshot);
            }
            else
            {
                poll.Registry.Register(r, T, Interest.Readable | Interest.Writable, PollMode.Oneshot);
            }

            Assert.True(waiter.Wait(Waiting.Arrives), $"{backend}: the blocked wait did not report the writable socket");
            Assert.Equal(1, waiter.Result);
            Assert.Equal(T, events[0].Token);
            Assert.True(events[0].IsWritable, events[0].ToString());

            // The arm has reported: what happens next stays unreported until the next Reregister. On kqueue
            // (backends.md, "Oneshot armed during a wait") the wait cannot tell a kevent of the new arm from a
            // late one of the previous, so the other direction may be reported once more, and then nothing.
            w.Send(new byte[1]);
            var late = poll.EventsFor(T, TimeSpan.FromMilliseconds(500));
            if (poll.Backend == "kqueue" && late.Count == 1 && late[0].IsReadable && !late[0].IsWritable)
            {
                late = poll.EventsFor(T, TimeSpan.FromMilliseconds(500));
            }

            Assert.True(late.Count == 0,
                $"{backend} round {round}: the oneshot {(rearm ? "re-armed" : "registered")} during a wait reported a second time: {string.Join(", ", late)}");
            poll.Registry.Deregister(r);
        }
    }
}
