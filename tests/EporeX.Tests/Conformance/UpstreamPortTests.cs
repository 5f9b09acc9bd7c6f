using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>Ports of mio's (tests/*.rs) and polling's (tests/*.rs) behavioural tests, over every backend.</summary>
public sealed class UpstreamPortTests
{
    private static readonly Token T = new(1);
    private static readonly Token T2 = new(2);

    // polling tests/other_modes.rs level_triggered
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Polling_level_then_modified_to_oneshot(string backend)
    {
        using var poll = Backends.Open(backend);
        var (reader, writer) = Loopback.ConnectedPair();
        using var r = reader; using var w = writer;
        r.Blocking = false;
        poll.Registry.Register(r, T, Interest.Readable, PollMode.Level);
        w.Send(new byte[5]);
        Assert.True(poll.WaitFor(T).IsReadable);
        Assert.Equal(3, r.Receive(new byte[3]));
        Assert.Single(poll.EventsFor(T, Waiting.Arrives));
        Assert.Equal(2, r.Receive(new byte[2]));
        Assert.Equal(0, poll.Wait(new Events(8), TimeSpan.Zero));

        poll.Registry.Reregister(r, T, Interest.Readable, PollMode.Oneshot);
        w.Send(new byte[5]);
        Assert.True(poll.WaitFor(T).IsReadable);
        poll.AssertQuiet(T);
        Assert.Equal(5, r.Receive(new byte[5]));
        Assert.Equal(0, poll.Wait(new Events(8), TimeSpan.Zero));
    }

    // polling tests/other_modes.rs edge_triggered
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Polling_edge_partial_read_then_new_data_then_oneshot(string backend)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        var (reader, writer) = Loopback.ConnectedPair();
        using var r = reader; using var w = writer;
        r.Blocking = false;
        poll.Registry.Register(r, T, Interest.Readable, PollMode.Edge);
        w.Send(new byte[5]);
        Assert.True(poll.WaitFor(T).IsReadable);
        Assert.Equal(3, r.Receive(new byte[3]));
        Assert.Equal(0, poll.Wait(new Events(8), TimeSpan.Zero));
        w.Send(new byte[5]);
        Assert.True(poll.WaitFor(T).IsReadable);

        poll.Registry.Reregister(r, T, Interest.Readable, PollMode.Oneshot);
        w.Send(new byte[5]);
        Assert.True(poll.WaitFor(T).IsReadable);
        poll.AssertQuiet(T);
    }

    // polling: oneshot/edge-oneshot are re-armed by modify, and a source still ready is reported at once
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void Rearming_a_fired_oneshot_that_is_still_ready_reports_it_again(string backend, bool edge)
    {
        using var poll = Backends.Open(backend);
        var mode = edge ? PollMode.EdgeOneshot : PollMode.Oneshot;
        Backends.RequireMode(poll, mode);
        using var endpoint = Endpoint.Create(Endpoint.Tcp);
        endpoint.Register(poll.Registry, T, Interest.Readable, mode);
        endpoint.PeerWrite(4);
        Assert.True(poll.WaitFor(T).IsReadable);
        poll.AssertQuiet(T);
        for (var i = 0; i < 3; i++)
        {
            endpoint.Reregister(poll.Registry, T, Interest.Readable, mode);
            Assert.True(poll.WaitFor(T).IsReadable);
            poll.AssertQuiet(T);
        }
    }

    // mio tests/tcp_stream.rs tcp_shutdown_client_read_close_event
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_own_shutdown_read_is_read_closed(string backend)
    {
        using var poll = Backends.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client; using var s = server;
        poll.Registry.Register(c, T, Interest.Readable | Interest.Writable);
        Assert.True(poll.WaitFor(T).IsWritable);
        c.Shutdown(SocketShutdown.Receive);
        var e = poll.WaitUntil(T, ev => ev.IsReadClosed);
        Assert.True(e.IsReadClosed, e.ToString());
    }

    // mio tests/tcp_stream.rs tcp_shutdown_client_both_close_event
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_own_shutdown_both_is_write_closed(string backend)
    {
        using var poll = Backends.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client; using var s = server;
        poll.Registry.Register(c, T, Interest.Readable | Interest.Writable);
        Assert.True(poll.WaitFor(T).IsWritable);
        c.Shutdown(SocketShutdown.Both);
        var e = poll.WaitUntil(T, ev => ev.IsWriteClosed);
        Assert.True(e.IsWriteClosed, e.ToString());
    }

    // mio tests/tcp_stream.rs tcp_shutdown_server_write_close_event
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_peer_shutdown_write_is_read_closed_with_both_interests(string backend)
    {
        using var poll = Backends.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client; using var s = server;
        poll.Registry.Register(c, T, Interest.Readable | Interest.Writable);
        Assert.True(poll.WaitFor(T).IsWritable);
        s.Shutdown(SocketShutdown.Send);
        var e = poll.WaitUntil(T, ev => ev.IsReadClosed);
        Assert.True(e.IsReadClosed, e.ToString());
    }

    // mio tests/tcp_stream.rs tcp_reset_close_event (edge, so that it quiesces as mio's does)
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_peer_reset_is_read_closed_and_quiesces_in_edge_mode(string backend)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client;
        c.Blocking = false;
        poll.Registry.Register(c, T, Interest.Readable | Interest.Writable, PollMode.Edge);
        Assert.True(poll.WaitFor(T).IsWritable);
        c.Send(new byte[3]);
        Assert.Throws<SocketException>(() => c.Receive(new byte[1]));
        server.LingerState = new LingerOption(true, 0);
        server.Dispose();
        var e = poll.WaitUntil(T, ev => ev.IsReadClosed);
        Assert.True(e.IsReadClosed, e.ToString());
        var clock = Stopwatch.StartNew();
        var events = new Events(8);
        while (poll.Wait(events, TimeSpan.FromMilliseconds(100)) != 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "edge events never quiesced: " + string.Join(",", events));
        }
    }

    // mio tests/tcp_stream.rs hup_event_on_disconnect
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_peer_abortive_close_is_readable(string backend)
    {
        using var poll = Backends.Open(backend);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        poll.Registry.Register(listener, new Token(0), Interest.Readable);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        poll.Registry.Register(client, T, Interest.Readable | Interest.Writable);
        Assert.True(poll.WaitFor(new Token(0)).IsReadable);
        var sock = listener.Accept();
        sock.LingerState = new LingerOption(true, 0);
        sock.Dispose();
        var e = poll.WaitUntil(T, ev => ev.IsReadable);
        Assert.True(e.IsReadable, e.ToString());
    }

    // mio tests/registering.rs tcp_register_multiple_event_loops
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_one_socket_in_two_polls_is_reported_by_both(string backend)
    {
        using var poll1 = Backends.Open(backend);
        using var poll2 = Backends.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client; using var s = server;
        poll1.Registry.Register(c, T, Interest.Readable | Interest.Writable);
        Assert.Throws<AlreadyRegisteredException>(() => poll1.Registry.Register(c, T, Interest.Readable | Interest.Writable));
        poll2.Registry.Register(c, T2, Interest.Readable | Interest.Writable);
        Assert.True(poll1.WaitFor(T).IsWritable);
        Assert.True(poll2.WaitFor(T2).IsWritable);
    }

    // mio tests/registering.rs udp_register_multiple_event_loops + tests/poll.rs reregister_interest_token_usage
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_udp_reregister_changes_token_and_interest(string backend)
    {
        using var poll = Backends.Open(backend);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        poll.Registry.Register(udp, T, Interest.Readable);
        poll.Registry.Reregister(udp, T, Interest.Readable);
        poll.Registry.Reregister(udp, T2, Interest.Writable);
        var e = poll.WaitFor(T2);
        Assert.True(e.IsWritable && !e.IsReadable, e.ToString());
        poll.AssertQuiet(T);

        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        other.SendTo(new byte[4], udp.LocalEndPoint!);
        poll.Registry.Reregister(udp, T, Interest.Readable);
        var r = poll.WaitFor(T);
        Assert.True(r.IsReadable && !r.IsWritable, r.ToString());
    }

    // mio tests/poll.rs zero_duration_polls_events
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_zero_duration_wait_reports_ready_descriptors(string backend)
    {
        using var poll = Backends.Open(backend);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        var streams = Enumerable.Range(0, 3).Select(n =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(listener.LocalEndPoint!);
            poll.Registry.Register(s, new Token((ulong)n), Interest.Writable);
            return s;
        }).ToList();
        Thread.Sleep(10);
        var events = new Events(16);
        Assert.Equal(3, poll.Wait(events, TimeSpan.Zero));
        foreach (var s in streams) s.Dispose();
    }

    // polling tests/notify.rs simple: a notify before the wait ends that wait (which otherwise has no limit)
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Polling_wake_before_an_unbounded_wait_ends_it_every_time(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, T);
        var events = new Events(8);
        Waiting.Bounded(TimeSpan.FromSeconds(20), () =>
        {
            for (var i = 0; i < 10; i++)
            {
                waker.Wake();
                Assert.Equal(1, poll.Wait(events, null));
                Assert.Equal(T, events[0].Token);
            }
        }, "ten wake-then-wait rounds");
        Assert.Equal(0, poll.Wait(events, TimeSpan.FromMilliseconds(20)));
    }

    // mio tests/registering.rs registering_after_deregistering
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_register_deregister_register_again(string backend)
    {
        using var poll = Backends.Open(backend);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        poll.Registry.Register(listener, T, Interest.Readable);
        poll.Registry.Deregister(listener);
        poll.Registry.Register(listener, T2, Interest.Readable);
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        c.Connect(listener.LocalEndPoint!);
        Assert.True(poll.WaitFor(T2).IsReadable);
        poll.AssertQuiet(T);
    }

    // EporeX's own contract (Poll.Wait: 0 only when the timeout passed) against a oneshot registration of
    // two interests whose second readiness arrives after the first was reported.
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void A_fired_two_interest_oneshot_stays_silent_and_the_wait_runs_its_full_timeout(string backend, bool edge)
    {
        using var poll = Backends.Open(backend);
        var mode = edge ? PollMode.EdgeOneshot : PollMode.Oneshot;
        Backends.RequireMode(poll, mode);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client; using var s = server;
        poll.Registry.Register(c, T, Interest.Readable | Interest.Writable, mode);
        var first = poll.WaitFor(T);
        Assert.True(first.IsWritable && !first.IsReadable, first.ToString());

        s.Send(new byte[3]); // the read half becomes ready after the registration has reported
        Thread.Sleep(50);
        var events = new Events(8);
        var clock = Stopwatch.StartNew();
        var n = poll.Wait(events, TimeSpan.FromMilliseconds(500));
        var elapsed = clock.Elapsed;
        Assert.Equal(0, n);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(450), $"{backend}: Wait(500 ms) returned 0 after {elapsed.TotalMilliseconds:F0} ms");

        poll.Registry.Reregister(c, T, Interest.Readable | Interest.Writable, mode);
        var again = poll.WaitFor(T);
        Assert.True(again.IsReadable && again.IsWritable, again.ToString());
    }

    // Docs (backends.md): a descriptor reported by both filters comes as one event carrying both, even one at a time.
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_readable_and_writable_descriptor_is_one_event_with_both_even_in_a_buffer_of_one(string backend)
    {
        using var poll = Backends.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client; using var s = server;
        s.Send(new byte[3]);
        Assert.True(SpinWait.SpinUntil(() => c.Available == 3, Waiting.Arrives), "the 3 bytes never arrived"); // a busy core may deliver them after send returns
        poll.Registry.Register(c, T, Interest.Readable | Interest.Writable);
        var events = new Events(1);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1, poll.Wait(events, Waiting.Arrives));
            Assert.True(events[0].IsReadable && events[0].IsWritable, $"wait {i}: {events[0]}");
        }
    }

    // concepts.md: "an error (IsError) is reported whatever the interest"; a reset connection has SO_ERROR set.
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void A_reset_connection_is_an_error_whatever_the_interest(string backend, bool writable)
    {
        using var poll = Backends.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client;
        var interest = writable ? Interest.Writable : Interest.Readable;
        if (writable)
        {
            c.Blocking = false;
            while (true) { try { c.Send(new byte[65536]); } catch (SocketException) { break; } } // not writable
        }
        poll.Registry.Register(c, T, interest);
        server.LingerState = new LingerOption(true, 0);
        server.Dispose();
        var e = poll.WaitUntil(T, ev => ev.IsError);
        Assert.True(e.IsError, e.ToString());
    }

    // mio tests/unix_stream.rs unix_stream_shutdown_read / unix_stream_shutdown_both (a socketpair here)
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void Mio_unix_stream_own_shutdown(string backend, bool both)
    {
        using var poll = Backends.Open(backend);
        var (a, b) = Native.SocketPair();
        try
        {
            poll.Registry.Register(a, T, Interest.Readable | Interest.Writable);
            Assert.True(poll.WaitFor(T).IsWritable);
            Native.WriteBytes(b, 3);
            Assert.True(poll.WaitUntil(T, ev => ev.IsReadable).IsReadable);
            Native.Shutdown(a, both ? 2 : 0);
            var e = poll.WaitUntil(T, ev => both ? ev.IsWriteClosed : ev.IsReadClosed);
            Assert.True(both ? e.IsWriteClosed : e.IsReadClosed, e.ToString());
            poll.Registry.Deregister(a);
        }
        finally
        {
            Native.Close(a);
            Native.Close(b);
        }
    }

    // polling tests/precision.rs and timeout.rs; Poll.Wait's docs: a fraction below the resolution is rounded up, never down
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_timed_wait_never_returns_before_its_timeout(string backend)
    {
        using var poll = Backends.Open(backend);
        var events = new Events(8);
        var failures = new System.Collections.Generic.List<string>();
        foreach (var micros in new[] { 100, 300, 999, 1000, 1500, 2700, 10_300, 25_000 })
        {
            var timeout = TimeSpan.FromTicks(micros * 10L);
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                var n = poll.Wait(events, timeout);
                var elapsed = clock.Elapsed;
                Assert.Equal(0, n);
                if (elapsed < timeout)
                {
                    failures.Add($"{micros} us -> {elapsed.TotalMicroseconds:F0} us");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{backend}: " + string.Join("; ", failures));
    }

    // polling: modify_with_mode changes the mode of a live registration; mio/polling semantics of each mode after the change
    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKinds), MemberType = typeof(Backends))]
    public void Changing_the_mode_of_a_ready_registration_takes_effect(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable, PollMode.Edge);
        endpoint.PeerWrite(4);
        Assert.True(poll.WaitFor(T).IsReadable);
        poll.AssertQuiet(T);

        endpoint.Reregister(poll.Registry, T, Interest.Readable, PollMode.Level);
        for (var i = 0; i < 3; i++)
        {
            Assert.Single(poll.EventsFor(T, Waiting.Arrives));
        }

        endpoint.Reregister(poll.Registry, T, Interest.Readable, PollMode.Edge);
        Assert.True(poll.WaitFor(T).IsReadable);
        poll.AssertQuiet(T);
        poll.AssertQuiet(T);

        endpoint.Reregister(poll.Registry, T, Interest.Readable, PollMode.Level);
        Assert.Single(poll.EventsFor(T, Waiting.Arrives));
        endpoint.Reregister(poll.Registry, T, Interest.Readable, PollMode.Oneshot);
        Assert.Single(poll.EventsFor(T, Waiting.Arrives));
        poll.AssertQuiet(T);
        endpoint.Reregister(poll.Registry, T, Interest.Readable, PollMode.Level);
        Assert.Single(poll.EventsFor(T, Waiting.Arrives));
        Assert.Single(poll.EventsFor(T, Waiting.Arrives));
    }

    // Several wakers on one Poll (mio allows one; EporeX documents any number): each is reported with its own token
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Two_wakers_are_each_reported_once(string backend)
    {
        using var poll = Backends.Open(backend);
        using var w1 = new Waker(poll.Registry, T);
        using var w2 = new Waker(poll.Registry, T2);
        w1.Wake(); w2.Wake(); w1.Wake();
        var events = new Events(8);
        var seen = new System.Collections.Generic.List<Event>();
        var clock = Stopwatch.StartNew();
        while (seen.Count < 2 && clock.Elapsed < Waiting.Arrives)
        {
            poll.Wait(events, TimeSpan.FromMilliseconds(100));
            seen.AddRange(events);
        }
        Assert.Equal(new[] { T, T2 }, seen.Select(e => e.Token).OrderBy(t => t.Value).ToArray());
        Assert.Equal(0, poll.Wait(events, TimeSpan.FromMilliseconds(50)));
        w2.Dispose();
        w1.Wake();
        Assert.Equal(1, poll.Wait(events, Waiting.Arrives));
        Assert.Equal(T, events[0].Token);
    }

    // backends.md said "A pipe whose writer is gone reports read-closed without readable" for every backend;
    // kqueue reports EVFILT_READ with EV_EOF (readable and read-closed, as mio's kqueue selector does).
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_pipe_whose_writer_is_gone_is_read_closed_and_readable_only_on_kqueue(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.Pipe);
        endpoint.Register(poll.Registry, T, Interest.Readable);
        endpoint.ClosePeer();
        var e = poll.WaitFor(T);
        Assert.True(e.IsReadClosed, e.ToString());
        Assert.True(e.IsReadable == (backend == "kqueue"), e.ToString());
    }

    // backends.md "Closed descriptors": through a SafeHandle, "on every backend the registration ends with the
    // close. Its token is never reported again" (mio: a dup keeps an epoll registration alive).
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_closed_SafeHandle_whose_file_has_a_duplicate_is_silent_except_on_epoll(string backend)
    {
        using var poll = Backends.Open(backend);
        var (a, b) = Native.SocketPair();
        var duplicate = Native.Dup(a);
        try
        {
            var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(a, ownsHandle: true);
            poll.Registry.Register(handle, T, Interest.Readable);
            handle.Dispose();
            Native.WriteBytes(b, 1);
            var events = new Events(8);
            var reported = 0;
            for (var i = 0; i < 3; i++)
            {
                poll.Wait(events, TimeSpan.FromMilliseconds(100));
                reported += events.Count(e => e.Token == T);
            }
            if (backend == "epoll")
            {
                // the documented epoll caveat (now stated for handles too): the open file lives on in the duplicate
                Assert.True(reported > 0, "epoll: expected the documented caveat");
            }
            else
            {
                Assert.True(reported == 0, $"{backend}: token of a closed handle reported {reported} times");
            }
        }
        finally
        {
            Native.Close(duplicate);
            Native.Close(b);
        }
    }

    // errors.md: Waker.Wake after its Poll is disposed does nothing; Waker.Dispose after it does nothing (mio: a waker outliving its Poll is fine)
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_waker_outliving_its_poll_wakes_harmlessly(string backend)
    {
        var poll = Backends.Open(backend);
        var waker = new Waker(poll.Registry, T);
        waker.Wake();
        poll.Dispose();
        for (var i = 0; i < 3; i++)
        {
            waker.Wake();
        }
        waker.Dispose();
        Assert.Throws<ObjectDisposedException>(() => waker.Wake());
    }

    // Poll.Wait's docs: null waits until something is ready. A oneshot's second knote firing (kqueue) is not something.
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void An_unbounded_wait_is_not_ended_by_the_silenced_half_of_a_fired_oneshot(string backend)
    {
        using var poll = Backends.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client; using var s = server;
        using var waker = new Waker(poll.Registry, new Token(99));
        poll.Registry.Register(c, T, Interest.Readable | Interest.Writable, PollMode.Oneshot);
        Assert.True(poll.WaitFor(T).IsWritable);
        s.Send(new byte[3]);
        Thread.Sleep(50);
        var events = new Events(8);
        using var wakeLater = Waiting.WakeAfter(waker, TimeSpan.FromMilliseconds(300));
        var n = 0;
        Waiting.Bounded(TimeSpan.FromSeconds(10), () => n = poll.Wait(events, null), "an unbounded wait");
        Assert.Equal(1, n);
        Assert.Equal(new Token(99), events[0].Token);
    }

    // polling tests/multiple_pollers.rs: one socket in two pollers, per mode
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Polling_one_socket_in_two_polls_per_mode(string backend)
    {
        foreach (var mode in new[] { PollMode.Level, PollMode.Edge, PollMode.Oneshot, PollMode.EdgeOneshot })
        {
            using var poll1 = Backends.Open(backend);
            using var poll2 = Backends.Open(backend);
            if (!poll1.Capabilities.Supports(mode))
            {
                continue;
            }

            var (reader, writer) = Loopback.ConnectedPair();
            using var r = reader; using var w = writer;
            poll1.Registry.Register(r, T, Interest.Readable, mode);
            poll2.Registry.Register(r, T2, Interest.Readable, mode);
            Assert.Equal(0, poll1.Wait(new Events(4), TimeSpan.FromMilliseconds(20)));
            Assert.Equal(0, poll2.Wait(new Events(4), TimeSpan.FromMilliseconds(20)));
            w.Send(new byte[1]);
            Assert.True(poll1.WaitFor(T).IsReadable, mode.ToString());
            Assert.True(poll2.WaitFor(T2).IsReadable, mode.ToString());
            if (mode == PollMode.Level)
            {
                Assert.Single(poll1.EventsFor(T, Waiting.Arrives));
                Assert.Single(poll2.EventsFor(T2, Waiting.Arrives));
                continue;
            }

            poll1.AssertQuiet(T);
            poll2.AssertQuiet(T2);
            if (mode is PollMode.Oneshot or PollMode.EdgeOneshot)
            {
                poll1.Registry.Reregister(r, T, Interest.Readable, mode);
                if (mode == PollMode.EdgeOneshot) w.Send(new byte[1]);
                Assert.True(poll1.WaitFor(T).IsReadable, mode + " rearmed");
                poll2.AssertQuiet(T2);
            }
            else
            {
                w.Send(new byte[1]);
                Assert.True(poll1.WaitFor(T).IsReadable, mode.ToString());
                Assert.True(poll2.WaitFor(T2).IsReadable, mode.ToString());
            }
        }
    }
}
