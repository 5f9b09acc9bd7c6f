#pragma warning disable CA2012 // the tests look at ValueTasks before awaiting them, once
using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>
/// Behaviours documented for tokio's <c>AsyncFd</c> and its ready guards (tokio/src/io/async_fd.rs,
/// tokio/src/io/ready.rs, tokio/src/runtime/io/scheduled_io.rs), checked on every backend.
/// </summary>
public sealed class AsyncTokioParityTests
{
    /// <summary>tokio: <c>ready()</c> of a guard is empty once <c>clear_ready</c> was called on it.</summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_guard_reports_no_readiness_after_its_ClearReady(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        pipe.Write(1);
        var guard = await AsyncLoops.Within(fd.ReadableAsync());
        Assert.True(guard.IsReadable);
        Assert.Equal(1, pipe.Drain());
        guard.ClearReady();
        Assert.Equal(Readiness.None, guard.Ready);
        Assert.False(guard.IsReadable);
    }

    /// <summary>tokio: <c>clear_ready_matching(r)</c> removes <c>r</c> from the guard's <c>ready()</c> and keeps the rest.</summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_guard_forgets_the_direction_it_cleared_and_keeps_the_other(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Writable, leaveOpen: true);
            client.Send(new byte[] { 1 });
            var guard = await AsyncLoops.Within(WaitFor(fd, Interest.Readable | Interest.Writable, Readiness.Readable | Readiness.Writable));
            server.Receive(new byte[8]);
            guard.ClearReady(Interest.Readable);
            Assert.False(guard.IsReadable);
            Assert.True(guard.IsWritable);
        }
    }

    /// <summary>tokio: readiness is sticky for both directions; a fresh connected socket is writable at once, and stays so until cleared.</summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Writability_is_reported_at_registration_and_is_sticky(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Writable, leaveOpen: true);
            var first = await AsyncLoops.Within(fd.WritableAsync());
            Assert.True(first.IsWritable);
            Assert.False(first.IsReadable); // limited to what it asked for
            var again = fd.WritableAsync();
            Assert.True(again.IsCompletedSuccessfully);
            var both = fd.ReadyAsync(Interest.Readable | Interest.Writable);
            Assert.True(both.IsCompletedSuccessfully);
            Assert.Equal(Readiness.Writable, (await both).Ready);
            var read = fd.ReadableAsync();
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(read.IsCompleted, "nothing to read");
            client.Send(new byte[] { 1 });
            Assert.True((await AsyncLoops.Within(read)).IsReadable);
        }
    }

    /// <summary>tokio: read-closed completes readable() and is never cleared; the write half stays usable.</summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Read_closed_completes_readable_survives_ClearReady_and_leaves_writes_alone(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Writable, leaveOpen: true);
            var read = fd.ReadableAsync();
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(read.IsCompleted);
            client.Shutdown(SocketShutdown.Send);
            var guard = await AsyncLoops.Within(read);
            Assert.True(guard.IsReadClosed, guard.ToString());
            Assert.False(guard.IsWriteClosed, guard.ToString());
            guard.ClearReady();
            var again = await AsyncLoops.Within(fd.ReadableAsync());
            Assert.True(again.IsReadClosed);
            Assert.Equal(0, await AsyncLoops.Within(fd.ReadAsync(new byte[4])));
            var write = await AsyncLoops.Within(fd.WritableAsync());
            Assert.True(write.IsWritable);
            Assert.False(write.IsWriteClosed);
            Assert.Equal(3, await AsyncLoops.Within(fd.WriteAsync(new byte[] { 1, 2, 3 })));
        }
    }

    /// <summary>
    /// tokio: a read after the peer reset the connection fails with the reset (ECONNRESET), never a clean
    /// end of the stream. On libkqueue the queue takes the socket's error (EventLoop.ErrorsOnlyInEvents).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_read_after_the_peer_reset_fails_with_the_reset(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Writable, leaveOpen: true);
            client.LingerState = new LingerOption(true, 0);
            client.Close(); // RST
            var guard = await AsyncLoops.Within(fd.ReadableAsync());
            Assert.True(guard.IsReadClosed || guard.IsError, guard.ToString());
            var e = await Assert.ThrowsAsync<SocketException>(async () => await AsyncLoops.Within(fd.ReadAsync(new byte[16])));
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        }
    }

    /// <summary>tokio (mio's mapping): a pipe whose reader is gone completes writable() with write-closed.</summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_pipe_without_reader_is_write_closed(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        Native.FillUntilFull(pipe.WriteEnd);
        using var fd = loop.Register(pipe.WriteEnd, Interest.Writable, leaveOpen: true);
        var write = fd.WritableAsync();
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(write.IsCompleted, "the pipe is full");
        pipe.CloseReader();
        var guard = await AsyncLoops.Within(write);
        Assert.True(guard.IsWriteClosed, guard.ToString());
    }

    /// <summary>
    /// tokio (mio's mapping): a connect that is refused completes writable() (write-closed, error) and
    /// readable() (read-closed); both stay after ClearReady.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_refused_connect_completes_both_directions_with_their_closed_states(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var port = Loopback.FreePort();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        using var fd = loop.Register(socket, Interest.Readable | Interest.Writable, leaveOpen: true);
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.ConnectionRefused)
        {
        }

        var write = await AsyncLoops.Within(fd.WritableAsync());
        Assert.True(write.IsWriteClosed || write.IsError, write.ToString());
        Assert.True(write.IsWriteClosed, "tokio/mio: writable() on a refused connect has WRITE_CLOSED: " + write);
        var read = await AsyncLoops.Within(fd.ReadableAsync());
        Assert.True(read.IsReadClosed, "tokio/mio: readable() on a refused connect has READ_CLOSED: " + read);
        write.ClearReady();
        read.ClearReady();
        Assert.True(fd.WritableAsync().IsCompletedSuccessfully);
        Assert.True(fd.ReadableAsync().IsCompletedSuccessfully);
    }

    /// <summary>
    /// tokio: <c>ready(Interest::PRIORITY)</c> completes on out-of-band data (PRIORITY) and on read-closed,
    /// not on ordinary data; cleared after the urgent byte is read, it waits for the next.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Priority_awaits_complete_on_out_of_band_data_and_on_read_closed(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        Skip.If((loop.Capabilities.Interests & Interest.Priority) == 0, $"{backend} does not watch priority");
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Priority, leaveOpen: true);
            var priority = fd.ReadyAsync(Interest.Priority);
            client.Send(new byte[] { 1, 2 });
            Assert.True((await AsyncLoops.Within(fd.ReadableAsync())).IsReadable);
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(priority.IsCompleted, "ordinary data is not priority");

            client.Send(new byte[] { 9 }, SocketFlags.OutOfBand);
            var guard = await AsyncLoops.Within(priority);
            Assert.True(guard.IsPriority, guard.ToString());
            Assert.True(fd.ReadyAsync(Interest.Priority).IsCompletedSuccessfully, "sticky until cleared");

            var oob = new byte[1];
            Assert.Equal(1, server.Receive(oob, SocketFlags.OutOfBand));
            Assert.Equal(9, oob[0]);
            guard.ClearReady();
            var next = fd.ReadyAsync(Interest.Priority);
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(next.IsCompleted, "the urgent byte was read and the readiness cleared");

            client.Shutdown(SocketShutdown.Send);
            var closed = await AsyncLoops.Within(next);
            Assert.True(closed.IsReadClosed, closed.ToString());
        }
    }

    /// <summary>
    /// tokio: a priority await completes on read-closed (<c>Ready::from_interest(PRIORITY)</c> holds
    /// READ_CLOSED), also while ordinary data is known readable and unread: with READABLE | PRIORITY
    /// registered, mio asks for EPOLLRDHUP, so the peer's shutdown is an edge.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_priority_await_completes_on_read_closed_while_ordinary_data_is_unread(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        Skip.If((loop.Capabilities.Interests & Interest.Priority) == 0, $"{backend} does not watch priority");
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Priority, leaveOpen: true);
            client.Send(new byte[] { 1, 2 });
            Assert.True((await AsyncLoops.Within(fd.ReadableAsync())).IsReadable); // known, left unread
            var priority = fd.ReadyAsync(Interest.Priority);
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(priority.IsCompleted, "ordinary data is not priority");

            client.Shutdown(SocketShutdown.Send);
            var guard = await AsyncLoops.Within(priority);
            Assert.True(guard.IsReadClosed, guard.ToString());
        }
    }

    /// <summary>tokio <c>async_io</c>: an error other than would-block ends it with that error, after waiting.</summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task IoAsync_ends_with_the_operation_s_exception_after_waiting(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var io = fd.IoAsync<int, int>(Interest.Readable, pipe.Read, static (int d, out int r) =>
        {
            r = 0;
            if (Native.ReadAll(d) == 0)
            {
                return false; // EAGAIN
            }

            throw new InvalidOperationException("boom");
        }).AsTask();
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(io.IsCompleted);
        pipe.Write(1);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => io.WaitAsync(AsyncLoops.Patience));
        Assert.Equal("boom", e.Message);
        Assert.True(fd.ReadableAsync().IsCompletedSuccessfully, "an exception clears nothing");
    }

    /// <summary>tokio: any number of tasks, on the same or different conditions; one event wakes each it satisfies, the others stay.</summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Waiters_on_different_conditions_wake_only_for_theirs(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            server.Blocking = false;
            var filled = await FillUntilItStaysFull(server);

            using var fd = loop.Register(server, Interest.Readable | Interest.Writable, leaveOpen: true);
            var readers = new ValueTask<ReadyGuard>[3];
            var writers = new ValueTask<ReadyGuard>[3];
            for (var i = 0; i < 3; i++)
            {
                readers[i] = fd.ReadableAsync();
                writers[i] = fd.WritableAsync();
            }

            var both = fd.ReadyAsync(Interest.Readable | Interest.Writable);
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(both.IsCompleted);
            client.Send(new byte[] { 1 });
            foreach (var r in readers)
            {
                Assert.True((await AsyncLoops.Within(r)).IsReadable);
            }

            Assert.True((await AsyncLoops.Within(both)).IsReadable);
            await Task.Delay(AsyncLoops.Quiet);
            foreach (var w in writers)
            {
                Assert.False(w.IsCompleted, "the socket is still full");
            }

            client.Blocking = false;
            var drained = 0;
            var buffer = new byte[65536];
            var deadline = DateTime.UtcNow + AsyncLoops.Patience;
            while (drained < filled && DateTime.UtcNow < deadline)
            {
                try
                {
                    drained += client.Receive(buffer);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    await Task.Delay(5);
                }
            }

            foreach (var w in writers)
            {
                Assert.True((await AsyncLoops.Within(w)).IsWritable);
            }
        }
    }

    /// <summary>
    /// Sends until the socket stays full for a quiet period: an EAGAIN alone is not enough, because on a
    /// busy core the loopback delivers and acknowledges what was in flight later, which frees send space.
    /// </summary>
    private static async Task<int> FillUntilItStaysFull(Socket socket)
    {
        var filled = 0;
        var chunk = new byte[65536];
        int added;
        do
        {
            added = 0;
            try
            {
                while (true)
                {
                    added += socket.Send(chunk);
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
            }

            filled += added;
            await Task.Delay(AsyncLoops.Quiet);
        }
        while (added > 0);

        return filled;
    }

    private static async ValueTask<ReadyGuard> WaitFor(AsyncFd fd, Interest interest, Readiness all)
    {
        while (true)
        {
            var guard = await fd.ReadyAsync(interest);
            if ((guard.Ready & all) == all)
            {
                return guard;
            }

            await Task.Delay(10);
        }
    }
}
