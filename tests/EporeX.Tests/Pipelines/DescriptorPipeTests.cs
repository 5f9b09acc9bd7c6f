using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.Tests.Async;
using EporeX.Tests.Support;

namespace EporeX.Tests.Pipelines;

/// <summary>An AsyncFd as an IDuplexPipe, on every backend and in both continuation modes: bytes, half-close, errors, abort.</summary>
public sealed class DescriptorPipeTests
{
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Sixteen_MiB_each_way_arrive_intact(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable));
            var outbound = Bytes(16 << 20, seed: 1);
            var inbound = Bytes(16 << 20, seed: 2);

            // The pipe sends outbound and receives inbound at once; the client does the mirror image.
            var sending = WriteInPiecesAsync(pipe.Output, outbound);
            var receiving = ReadAllAsync(pipe.Input, inbound.Length);
            var clientSends = Task.Run(() => client.Send(inbound));
            var clientReceives = Task.Run(() => ReceiveExactly(client, outbound.Length));

            await sending.WaitAsync(Waiting.Long);
            Assert.Equal(outbound, await clientReceives.WaitAsync(Waiting.Long));
            await clientSends.WaitAsync(Waiting.Long);
            Assert.Equal(inbound, await receiving.WaitAsync(Waiting.Long));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Completing_the_output_half_closes_and_the_input_still_receives(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable));
            await pipe.Output.WriteAsync(new byte[] { 1, 2, 3 });
            await pipe.Output.CompleteAsync();
            Assert.Equal(new byte[] { 1, 2, 3 }, await Task.Run(() => ReceiveExactly(client, 3)).WaitAsync(Waiting.Long));
            Assert.Equal(0, await Task.Run(() => client.Receive(new byte[1])).WaitAsync(Waiting.Long)); // the end of the stream

            client.Send(new byte[] { 9 });
            client.Shutdown(SocketShutdown.Send); // and the other way
            var read = await ReadAllAsync(pipe.Input, 1).WaitAsync(Waiting.Long);
            Assert.Equal(9, read[0]);
            var end = await pipe.Input.ReadAsync().AsTask().WaitAsync(Waiting.Long);
            Assert.True(end.IsCompleted && end.Buffer.IsEmpty);
            await pipe.Completion.WaitAsync(Waiting.Long);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_pipe_pair_works_and_completing_the_output_closes_the_write_end(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (inRead, inWrite) = Native.Pipe();   // the peer writes inWrite, the pipe reads inRead
        var (outRead, outWrite) = Native.Pipe(); // the pipe writes outWrite, the peer reads outRead
        try
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(inRead, Interest.Readable), loop.Register(outWrite, Interest.Writable));
            Native.WriteBytes(inWrite, 5);
            Assert.Equal(5, (await ReadAllAsync(pipe.Input, 5).WaitAsync(Waiting.Long)).Length);
            await pipe.Output.WriteAsync(new byte[7]);
            await pipe.Output.CompleteAsync();
            // The 7 bytes, then the end of the stream (read returns 0 rather than EAGAIN: no writer is left).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var got = 0;
            var ended = false;
            while (!ended && clock.Elapsed < Waiting.Long)
            {
                var n = ReadSome(outRead);
                if (n > 0)
                {
                    got += n;
                }
                else if (n == 0)
                {
                    ended = true;
                }
                else
                {
                    await Task.Delay(10);
                }
            }

            Assert.Equal(7, got);
            Assert.True(ended, "the write end was not closed when the output completed");
        }
        finally
        {
            Native.Close(inWrite);
            Native.Close(outRead);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_slow_reader_stops_the_receiving_and_memory_stays_under_the_threshold(string backend, bool inline)
    {
        const long Pause = 64 * 1024;
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(
                loop.Register(server, Interest.Readable | Interest.Writable),
                new DescriptorPipeOptions { ReceivePauseThreshold = Pause });
            client.Blocking = false;

            // The peer sends until the kernel takes no more: the pipe must have stopped reading by then. It
            // goes on past what the pipe may hold, as a loaded machine's TCP can go quiet for longer than the
            // quiet period before the window opens again (zero-window probes back off).
            var chunk = new byte[16 * 1024];
            long sent = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var quietSince = clock.Elapsed;
            while (clock.Elapsed - quietSince < TimeSpan.FromMilliseconds(500) || sent <= Pause + PinnedBlockMemoryPool.BlockSize)
            {
                Assert.True(clock.Elapsed < Waiting.Long * 2, $"the peer could still send after {sent} bytes: the pipe never stopped receiving");
                var n = client.Send(chunk, SocketFlags.None, out var error);
                if (n > 0)
                {
                    sent += n;
                    quietSince = clock.Elapsed;
                }
                else
                {
                    Assert.Equal(SocketError.WouldBlock, error);
                    await Task.Delay(10);
                }
            }

            Assert.True(pipe.Input.TryRead(out var buffered));
            var held = buffered.Buffer.Length;
            pipe.Input.AdvanceTo(buffered.Buffer.Start, buffered.Buffer.End); // consume nothing
            Assert.InRange(held, Pause, Pause + PinnedBlockMemoryPool.BlockSize);
            Assert.True(sent > held, $"everything sent ({sent} B) sits in the pipe: the kernel's buffers were not used");

            // Reading resumes the receiving: every byte arrives.
            client.Blocking = true;
            var all = await ReadAllAsync(pipe.Input, (int)sent).WaitAsync(Waiting.Long);
            Assert.Equal(sent, all.Length);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_peer_reset_mid_write_ends_both_directions_with_an_error(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable));
        client.Send(new byte[] { 1 }); // unread by the pipe's application, so the close below resets
        client.LingerState = new LingerOption(true, 0);
        var writing = Task.Run(async () =>
        {
            var block = new byte[64 * 1024];
            for (var i = 0; i < 10_000; i++)
            {
                var flush = await pipe.Output.WriteAsync(block);
                if (flush.IsCompleted)
                {
                    return;
                }
            }
        });
        await Task.Delay(50);
        client.Close(); // RST

        // Both directions end, and the reset is reported: to the writer (its FlushAsync throws) or to the
        // reader (its ReadAsync throws), whichever system call met it first; never a clean end on both sides.
        Exception? writeError = null;
        try
        {
            await writing.WaitAsync(Waiting.Long);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            writeError = e;
        }

        Exception? readError = null;
        try
        {
            while (true)
            {
                var read = await pipe.Input.ReadAsync().AsTask().WaitAsync(Waiting.Long);
                pipe.Input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            readError = e;
        }

        var reported = writeError ?? readError;
        Assert.True(reported is SocketException or IOException, $"the reset was not reported (write: {writeError?.GetType()}, read: {readError?.GetType()})");
        await pipe.Completion.WaitAsync(Waiting.Long);
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Abort_ends_a_pending_read_closes_the_descriptor_and_the_peer_sees_it(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable));
            var pending = pipe.Input.ReadAsync().AsTask();
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(pending.IsCompleted);
            var reason = new OperationCanceledException("test abort");
            pipe.Abort(reason);
            var failure = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Waiting.Long));
            Assert.Same(reason, failure);
            await pipe.Completion.WaitAsync(Waiting.Long);
            Assert.Equal(0, await Task.Run(() => { try { return client.Receive(new byte[1]); } catch (SocketException) { return 0; } }).WaitAsync(Waiting.Long));
            Assert.Equal(0, loop.Count);
            pipe.Abort(); // again: nothing
            await pipe.DisposeAsync(); // after Abort: nothing more
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Messages_queued_on_a_datagram_socket_all_arrive_though_each_read_is_short(string backend, bool inline)
    {
        // A datagram socket (a tty in canonical mode alike) returns one message per read, shorter than the
        // segment, with the next still queued: a short read proves nothing drained, and no new edge comes.
        using var loop = AsyncLoops.Open(backend, inline);
        var (peer, mine) = Native.DatagramPair();
        try
        {
            foreach (var message in new byte[] { 1, 2, 3 })
            {
                Assert.Equal(1, Native.WriteByte(peer, message));
            }

            await using var pipe = DescriptorPipe.Create(loop.Register(mine, Interest.Readable | Interest.Writable));
            Assert.Equal(new byte[] { 1, 2, 3 }, await ReadAllAsync(pipe.Input, 3).WaitAsync(Waiting.Long));
            pipe.Abort();
        }
        finally
        {
            Native.Close(peer);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Bad_options_and_registrations_are_refused(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        var (r, w) = Native.Pipe();
        using var reader = loop.Register(r, Interest.Readable);
        using var writer = loop.Register(w, Interest.Writable);
        Assert.Throws<ArgumentNullException>(() => DescriptorPipe.Create(null!));
        Assert.Throws<ArgumentNullException>(() => DescriptorPipe.Create(reader, (AsyncFd)null!));
        Assert.Throws<ArgumentException>(() => DescriptorPipe.Create(reader)); // not writable
        Assert.Throws<ArgumentException>(() => DescriptorPipe.Create(writer, reader)); // swapped
        Assert.Throws<ArgumentOutOfRangeException>(() => DescriptorPipe.Create(reader, writer, new DescriptorPipeOptions { ReceivePauseThreshold = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DescriptorPipe.Create(reader, writer, new DescriptorPipeOptions { SendPauseThreshold = 10, SendResumeThreshold = 20 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DescriptorPipe.Create(reader, writer, new DescriptorPipeOptions { MinimumSegmentSize = 0 }));
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => DescriptorPipe.Create(reader, writer));
    }

    /// <summary>One read: the bytes read, 0 at the end of the stream, -1 when nothing is there yet.</summary>
    private static unsafe int ReadSome(int fd)
    {
        var buffer = stackalloc byte[256];
        return (int)Native.Read(fd, buffer, 256);
    }

    internal static byte[] Bytes(int count, int seed)
    {
        var data = new byte[count];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Writes in pieces of varied sizes, flushing now and then, so sends span many segments.</summary>
    internal static async Task WriteInPiecesAsync(PipeWriter output, byte[] data)
    {
        var random = new Random(3);
        var at = 0;
        while (at < data.Length)
        {
            var size = Math.Min(random.Next(1, 20_000), data.Length - at);
            data.AsSpan(at, size).CopyTo(output.GetSpan(size));
            output.Advance(size);
            at += size;
            if (random.Next(4) == 0 || at == data.Length)
            {
                await output.FlushAsync();
            }
        }
    }

    internal static async Task<byte[]> ReadAllAsync(PipeReader input, int count)
    {
        var result = new byte[count];
        var at = 0;
        while (at < count)
        {
            var read = await input.ReadAsync();
            var buffer = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, count - at));
            buffer.CopyTo(result.AsSpan(at));
            at += (int)buffer.Length;
            input.AdvanceTo(buffer.End);
            if (read.IsCompleted && at < count)
            {
                throw new EndOfStreamException($"the input ended after {at} of {count} bytes");
            }
        }

        return result;
    }

    internal static byte[] ReceiveExactly(Socket socket, int count)
    {
        var result = new byte[count];
        var at = 0;
        while (at < count)
        {
            var n = socket.Receive(result, at, count - at, SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException($"the peer closed after {at} of {count} bytes");
            }

            at += n;
        }

        return result;
    }
}
