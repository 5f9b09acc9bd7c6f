using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>
/// A second pass of ports of mio's behavioural tests (tests/*.rs), over every backend: the ones
/// <see cref="UpstreamPortTests"/> and the rest of Conformance do not already cover. mio registers
/// edge-triggered; a port that relies on edges asks for <see cref="PollMode.Edge"/> (and skips poll(2)),
/// the others run level-triggered and wait for a state rather than for "the next event".
/// </summary>
public sealed class UpstreamPortSecondPassTests
{
    private static readonly Token T1 = new(1);
    private static readonly Token T2 = new(2);
    private static readonly Token T3 = new(3);
    private static readonly Token Wake = new(10);

    // mio tests/unix_datagram.rs unix_datagram_shutdown (a connected AF_UNIX datagram socketpair here)
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_unix_datagram_own_shutdown_read_then_write(string backend)
    {
        using var poll = Backends.Open(backend);
        var (a, b) = Native.DatagramPair();
        try
        {
            poll.Registry.Register(a, T1, Interest.Readable | Interest.Writable);
            poll.Registry.Register(b, T2, Interest.Readable | Interest.Writable);
            Assert.True(poll.WaitUntil(T1, e => e.IsWritable).IsWritable);

            Assert.Equal(4, Native.WriteBytes(a, 4));
            Assert.True(poll.WaitUntil(T2, e => e.IsReadable).IsReadable);

            Assert.Equal(0, Native.Shutdown(a, 0)); // SHUT_RD
            var readClosed = poll.WaitUntil(T1, e => e.IsReadClosed);
            Assert.True(readClosed.IsReadClosed, readClosed.ToString());

            Assert.Equal(0, Native.Shutdown(a, Native.SHUT_WR));
            var writeClosed = poll.WaitUntil(T1, e => e.IsWriteClosed);
            Assert.True(writeClosed.IsWriteClosed, writeClosed.ToString());

            poll.Registry.Deregister(a);
            poll.Registry.Deregister(b);
        }
        finally
        {
            Native.Close(a);
            Native.Close(b);
        }
    }

    // The same fact over UDP (not a mio test; the kernel's datagram_poll sets EPOLLRDHUP | EPOLLIN after
    // shutdown(SHUT_RD) of a connected socket, as unix_dgram_poll does): a shut-down read side is read-closed
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_connected_udp_socket_shut_down_for_reading_is_read_closed(string backend)
    {
        using var poll = Backends.Open(backend);
        using var s1 = Udp();
        using var s2 = Udp();
        s1.Connect(s2.LocalEndPoint!);
        poll.Registry.Register(s1, T1, Interest.Readable);
        poll.AssertQuiet(T1);
        s1.Shutdown(SocketShutdown.Receive);
        var e = poll.WaitUntil(T1, ev => ev.IsReadClosed);
        Assert.True(e.IsReadClosed, e.ToString());
    }

    // mio tests/udp_socket.rs empty_datagram
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_an_empty_datagram_is_readable(string backend)
    {
        using var poll = Backends.Open(backend);
        using var s1 = Udp();
        using var s2 = Udp();
        poll.Registry.Register(s1, T1, Interest.Writable);
        poll.Registry.Register(s2, T2, Interest.Readable);
        Assert.True(poll.WaitFor(T1).IsWritable);

        s1.SendTo(Array.Empty<byte>(), s2.LocalEndPoint!);
        var e = poll.WaitUntil(T2, ev => ev.IsReadable);
        Assert.False(e.IsReadClosed || e.IsError, e.ToString()); // a live socket: epoll reports EPOLLIN alone

        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        Assert.Equal(0, s2.ReceiveFrom(new byte[10], ref from));
        Assert.Equal(s1.LocalEndPoint, from);
    }

    // mio tests/udp_socket.rs et_behavior_recv (connected) and et_behavior_recv_from (unconnected)
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void Mio_udp_edge_is_reported_again_after_a_read_that_would_block(string backend, bool connected)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        using var s1 = Udp();
        using var s2 = Udp();
        poll.Registry.Register(s1, T1, connected ? Interest.Writable : Interest.Readable | Interest.Writable, PollMode.Edge);
        poll.Registry.Register(s2, T2, Interest.Readable | Interest.Writable, PollMode.Edge);
        WaitForAll(poll, (T1, e => e.IsWritable), (T2, e => e.IsWritable));

        var data = new byte[] { 1, 2, 3, 4, 5, 6, 7 };
        if (connected)
        {
            s1.Connect(s2.LocalEndPoint!);
        }

        void Send()
        {
            if (connected)
            {
                Assert.Equal(data.Length, s1.Send(data));
            }
            else
            {
                Assert.Equal(data.Length, s1.SendTo(data, s2.LocalEndPoint!));
            }
        }

        var buffer = new byte[20];
        Send();
        Assert.True(poll.WaitUntil(T2, e => e.IsReadable).IsReadable);
        Assert.Equal(data.Length, s2.Receive(buffer));
        var wouldBlock = Assert.Throws<SocketException>(() => s2.Receive(buffer));
        Assert.Equal(SocketError.WouldBlock, wouldBlock.SocketErrorCode);

        Send();
        Assert.True(poll.WaitUntil(T2, e => e.IsReadable).IsReadable);
        Assert.Equal(data.Length, s2.Receive(buffer));
        Assert.Equal(data, buffer.Take(data.Length).ToArray());
    }

    // mio tests/udp_socket.rs udp_socket_discard: a connected socket never sees a datagram from another address
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_a_connected_udp_socket_is_not_readable_for_a_stranger_datagram(string backend)
    {
        using var poll = Backends.Open(backend);
        using var tx = Udp();
        using var rx = Udp();
        using var outside = Udp();
        tx.Connect(rx.LocalEndPoint!);
        outside.Connect(rx.LocalEndPoint!);
        rx.Connect(tx.LocalEndPoint!);

        poll.Registry.Register(outside, T1, Interest.Writable);
        Assert.True(poll.WaitFor(T1).IsWritable);
        outside.Send(new byte[11]);

        poll.Registry.Register(rx, T2, Interest.Readable);
        poll.Registry.Register(tx, T3, Interest.Writable);
        Assert.True(poll.WaitFor(T3).IsWritable);
        AssertSilentFor(poll, T2, TimeSpan.FromMilliseconds(200));
    }

    // mio tests/tcp.rs connect: the first event of a connected stream is writable, the next (the peer's close) readable
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_edge_connect_is_writable_then_the_peer_close_is_readable(string backend)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client;
        c.Blocking = false;
        poll.Registry.Register(c, T1, Interest.Readable | Interest.Writable, PollMode.Edge);
        var first = poll.WaitFor(T1);
        Assert.True(first.IsWritable && !first.IsReadable, first.ToString());
        poll.AssertQuiet(T1, TimeSpan.FromMilliseconds(100));

        server.Dispose();
        var second = poll.WaitUntil(T1, e => e.IsReadable);
        Assert.True(second.IsReadable, second.ToString());
    }

    // mio tests/tcp.rs write_shutdown: edge over both interests is quiet once writable, and the peer's
    // shutdown(SHUT_WR) is readable and read-closed; nothing is closed before it
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_edge_write_shutdown_of_the_peer(string backend)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, PollMode.Edge);
        var (client, server) = Loopback.ConnectedPair();
        using var c = client; using var s = server;
        poll.Registry.Register(c, T1, Interest.Readable | Interest.Writable, PollMode.Edge);
        var writable = poll.WaitFor(T1);
        Assert.True(writable.IsWritable && !writable.IsReadClosed && !writable.IsWriteClosed, writable.ToString());
        Assert.Equal(0, poll.Wait(new Events(16), TimeSpan.FromMilliseconds(100)));

        s.Shutdown(SocketShutdown.Send);
        var e = poll.WaitUntil(T1, ev => ev.IsReadable);
        Assert.True(e.IsReadable && e.IsReadClosed, e.ToString());
    }

    // mio tests/tcp.rs connect_then_close: an accepted stream registered and dropped at once closes the
    // connection (the client sees it) and its token is never reported
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_accepted_stream_registered_then_dropped(string backend)
    {
        using var poll = Backends.Open(backend);
        using var listener = Listener();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        poll.Registry.Register(listener, T1, Interest.Readable);
        poll.Registry.Register(client, T2, Interest.Readable);

        Assert.True(poll.WaitFor(T1).IsReadable);
        var accepted = listener.Accept();
        poll.Registry.Register(accepted, T3, Interest.Readable | Interest.Writable);
        accepted.Dispose();

        var seen = new List<Event>();
        var e = poll.WaitUntil(T2, ev => ev.IsReadable, seen);
        Assert.True(e.IsReadable, e.ToString());
        Assert.DoesNotContain(seen, ev => ev.Token == T3);
        AssertSilentFor(poll, T3, TimeSpan.FromMilliseconds(100));
    }

    // mio tests/tcp.rs connection_reset_by_peer: a stream reset before it is registered is readable, and a
    // read returns 0 or fails
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_a_stream_reset_before_registering_is_readable(string backend)
    {
        using var poll = Backends.Open(backend);
        using var listener = Listener();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        client.LingerState = new LingerOption(true, 0);
        poll.Registry.Register(listener, T1, Interest.Readable);
        poll.Registry.Register(client, T2, Interest.Readable | Interest.Writable);
        Assert.True(poll.WaitFor(T1).IsReadable);
        using var server = listener.Accept();

        client.Dispose();
        PeerClose.AwaitSeen(server.SafeHandle);

        poll.Registry.Register(server, T3, Interest.Readable);
        var e = poll.WaitUntil(T3, ev => ev.IsReadable);
        Assert.True(e.IsReadable, e.ToString());
        server.Blocking = false;
        try
        {
            Assert.Equal(0, server.Receive(new byte[16]));
        }
        catch (SocketException ex) when (ex.SocketErrorCode != SocketError.WouldBlock)
        {
        }
    }

    // mio tests/tcp.rs connect_error: a refused connect, watched for Writable alone, is writable or an
    // error, and write-closed
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_a_refused_connect_is_write_closed(string backend)
    {
        using var poll = Backends.Open(backend);
        using var client = Loopback.ConnectingToClosedPort();
        poll.Registry.Register(client, T1, Interest.Writable);
        var ev = poll.WaitFor(T1);
        Assert.True(ev.IsWritable || ev.IsError, ev.ToString());
        Assert.True(ev.IsWriteClosed, ev.ToString());
    }

    // mio tests/tcp.rs write_then_drop and write_then_deregister
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public void Mio_write_then_drop_or_deregister_the_writer(string backend, bool drop)
    {
        using var poll = Backends.Open(backend);
        using var listener = Listener();
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Connect(listener.LocalEndPoint!);
        poll.Registry.Register(listener, T1, Interest.Readable);
        poll.Registry.Register(s, T3, Interest.Readable);
        var events = new Events(64);

        AssertOnlyEvent(poll, events, T1);
        var s2 = listener.Accept();
        try
        {
            poll.Registry.Register(s2, T2, Interest.Writable);
            AssertOnlyEvent(poll, events, T2);

            s2.Send(new byte[] { 1, 2, 3, 4 });
            if (drop)
            {
                s2.Dispose();
            }
            else
            {
                poll.Registry.Deregister(s2);
            }

            poll.Registry.Reregister(s, T3, Interest.Readable);
            AssertOnlyEvent(poll, events, T3);
            s.Blocking = false;
            var buffer = new byte[10];
            Assert.Equal(4, s.Receive(buffer));
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, buffer.Take(4).ToArray());
        }
        finally
        {
            s2.Dispose();
        }
    }

    // mio tests/regressions.rs issue_1205: a listener with a connection pending, deregistered before the
    // wait, is not reported; only the waker ends that unbounded wait
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_issue_1205_a_deregistered_ready_listener_does_not_end_an_unbounded_wait(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, Wake);
        using var listener = Listener();
        poll.Registry.Register(listener, T1, Interest.Readable);
        var events = new Events(16);
        Assert.Equal(0, poll.Wait(events, TimeSpan.Zero));

        using var stream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        stream.Connect(listener.LocalEndPoint!);
        Assert.True(SpinWait.SpinUntil(() => listener.Poll(0, SelectMode.SelectRead), Waiting.Arrives), "the connection never reached the listener");
        poll.Registry.Deregister(listener);

        using var wakeLater = Waiting.WakeAfter(waker, TimeSpan.FromMilliseconds(300));
        var n = 0;
        Waiting.Bounded(TimeSpan.FromSeconds(10), () => n = poll.Wait(events, null), "an unbounded wait");
        Assert.Equal(1, n);
        Assert.Equal(Wake, events[0].Token);
        Assert.True(events[0].IsReadable, events[0].ToString());
    }

    // mio tests/registering.rs reregister_different_interest_without_poll: a listener with a connection
    // pending, changed to Writable before any wait, reports nothing
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_a_ready_listener_reregistered_for_writable_reports_nothing(string backend)
    {
        using var poll = Backends.Open(backend);
        using var listener = Listener();
        poll.Registry.Register(listener, T1, Interest.Readable);
        using var s1 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s1.Connect(listener.LocalEndPoint!);
        poll.Registry.Register(s1, T2, Interest.Readable);
        Assert.True(SpinWait.SpinUntil(() => listener.Poll(0, SelectMode.SelectRead), Waiting.Arrives), "the connection never reached the listener");

        poll.Registry.Reregister(listener, T1, Interest.Writable);
        var events = new Events(16);
        Assert.Equal(0, poll.Wait(events, TimeSpan.FromMilliseconds(200)));
    }

    // mio tests/poll.rs drop_cancels_interest_and_shuts_down and tests/regressions.rs issue_776: disposing a
    // registered stream (after a read that would block) closes the connection and silences its token
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_disposing_a_registered_stream_shuts_it_down(string backend)
    {
        using var poll = Backends.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using var s = server;
        poll.Registry.Register(client, T1, Interest.Readable | Interest.Writable);
        Assert.True(poll.WaitFor(T1).IsWritable);
        client.Blocking = false;
        var wouldBlock = Assert.Throws<SocketException>(() => client.Receive(new byte[1024]));
        Assert.Equal(SocketError.WouldBlock, wouldBlock.SocketErrorCode);

        Waiting.Bounded(TimeSpan.FromSeconds(5), client.Dispose, "disposing a registered Socket");
        s.ReceiveTimeout = 5000;
        Assert.Equal(0, s.Receive(new byte[16]));
        poll.AssertQuiet(T1, TimeSpan.FromMilliseconds(100));
    }

    // mio tests/registering.rs register_deregister: the listener's readiness changes the client to Writable;
    // once both are deregistered, nothing is reported
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_register_reregister_then_deregister_both(string backend)
    {
        using var poll = Backends.Open(backend);
        using var listener = Listener();
        poll.Registry.Register(listener, T1, Interest.Readable);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        poll.Registry.Register(client, T2, Interest.Readable);

        Assert.True(poll.WaitFor(T1).IsReadable);
        using var accepted = listener.Accept();
        poll.Registry.Reregister(client, T2, Interest.Writable);
        Assert.True(poll.WaitUntil(T2, e => e.IsWritable).IsWritable);
        poll.Registry.Deregister(client);
        poll.Registry.Deregister(listener);
        Assert.Equal(0, poll.Wait(new Events(16), TimeSpan.FromMilliseconds(100)));
    }

    // mio tests/close_on_drop.rs close_on_drop: connected (writable), then watched for Readable; the server
    // accepts and drops the stream, and the client reads its end
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mio_close_on_drop(string backend)
    {
        using var poll = Backends.Open(backend);
        using var listener = Listener();
        poll.Registry.Register(listener, T1, Interest.Readable);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        Loopback.StartConnect(client, listener.LocalEndPoint!);

        poll.Registry.Register(client, T2, Interest.Writable);
        WaitForAll(poll, (T1, e => e.IsReadable), (T2, e => e.IsWritable));
        poll.Registry.Reregister(client, T2, Interest.Readable);
        listener.Accept().Dispose();

        var ev = poll.WaitUntil(T2, e => e.IsReadable);
        Assert.True(ev.IsReadable, ev.ToString());
        Assert.Equal(0, client.Receive(new byte[1024]));
    }

    private static Socket Udp()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Blocking = false;
        return socket;
    }

    private static Socket Listener()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(8);
        return listener;
    }

    /// <summary>mio's <c>while events.is_empty() { poll }</c>, then exactly one event, for <paramref name="token"/>.</summary>
    private static void AssertOnlyEvent(Poll poll, Events events, Token token)
    {
        var clock = Stopwatch.StartNew();
        var n = 0;
        while (n == 0 && clock.Elapsed < Waiting.Arrives)
        {
            n = poll.Wait(events, TimeSpan.FromMilliseconds(100));
        }

        Assert.True(n == 1 && events[0].Token == token, $"{poll.Backend}: expected one event for {token}, got {string.Join(", ", events)}");
    }

    /// <summary>Waits (level events of other tokens may end each wait at once) until <paramref name="span"/> has passed, failing on any event for <paramref name="token"/>.</summary>
    private static void AssertSilentFor(Poll poll, Token token, TimeSpan span)
    {
        var events = new Events(16);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < span)
        {
            poll.Wait(events, TimeSpan.FromMilliseconds(20));
            foreach (var e in events)
            {
                Assert.False(e.Token == token, $"{poll.Backend}: unexpected {e}");
            }
        }
    }

    private static void WaitForAll(Poll poll, params (Token Token, Func<Event, bool> Wanted)[] expected)
    {
        var missing = expected.ToList();
        var events = new Events(16);
        var clock = Stopwatch.StartNew();
        while (missing.Count > 0 && clock.Elapsed < Waiting.Arrives)
        {
            poll.Wait(events, TimeSpan.FromMilliseconds(100));
            foreach (var e in events)
            {
                missing.RemoveAll(m => m.Token == e.Token && m.Wanted(e));
            }
        }

        Assert.True(missing.Count == 0, $"{poll.Backend}: never saw {string.Join(", ", missing.Select(m => m.Token))}");
    }
}
