using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Async;
using EporeX.Tests.Support;

namespace EporeX.Tests.Pipelines;

/// <summary>
/// A DescriptorPipe's Output as a PipeWriter, on every backend, in both continuation modes, sending in the
/// flush and deferred: backpressure with a peer that does not read, cancelling a waiting flush, abort,
/// completion, and every block back in the pool.
/// </summary>
public sealed class DescriptorPipeOutputTests
{
    private const int Chunk = 16 * 1024;

    /// <summary>The default <see cref="DescriptorPipeOptions.SendPauseThreshold"/>.</summary>
    private static readonly int PauseThreshold = (int)new DescriptorPipeOptions().SendPauseThreshold;

    /// <summary>How long a flush must wait to count as held back by the peer, not by a busy machine.</summary>
    private static readonly TimeSpan Stuck = TimeSpan.FromMilliseconds(300);

    public static TheoryData<string, bool, bool> AllWithModesAndTimings()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var row in AsyncLoops.AllWithModes())
        {
            data.Add((string)row[0], (bool)row[1], false);
            data.Add((string)row[0], (bool)row[1], true);
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task A_flush_waits_while_the_peer_does_not_read_memory_stays_bounded_and_every_byte_arrives(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pool = new CountingMemoryPool();
        var (client, server) = Loopback.ConnectedPair();
        server.SendBufferSize = 4096; // the client's window and a few KiB fill up soon; the client's side stays as it is, so reading later is fast
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { Pool = pool, DeferSends = defer, InlineScheduling = inline });
            var data = DescriptorPipeTests.Bytes(4 << 20, seed: 5);

            // Write until a flush waits: the kernel's buffers are full and the pause threshold is reached.
            var at = 0;
            Task<FlushResult> flush = Task.FromResult(default(FlushResult));
            while (at < data.Length)
            {
                flush = pipe.Output.WriteAsync(data.AsMemory(at, Chunk)).AsTask();
                at += Chunk;
                if (!await CompletesWithin(flush, Stuck))
                {
                    break;
                }
            }

            Assert.True(at < data.Length, "no flush ever waited although the peer read nothing");

            // Held: the unsent bytes (at most the pause threshold plus the last write) in 4 KiB blocks. Not a
            // lower bound: the client's window may still grow and take them, when the machine is slow.
            var bound = (PauseThreshold + Chunk) / PinnedBlockMemoryPool.BlockSize + 1;
            Assert.InRange(pool.OutstandingBlocks, 0, bound);

            // The peer reads: the flush goes on, the rest is written, and every byte arrives in order.
            OpenUp(server);
            var receiving = Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, data.Length));
            var result = await flush.WaitAsync(AsyncLoops.Patience);
            Assert.False(result.IsCompleted || result.IsCanceled);
            while (at < data.Length)
            {
                await AsyncLoops.Within(pipe.Output.WriteAsync(data.AsMemory(at, Chunk)));
                at += Chunk;
            }

            Assert.Equal(data, await receiving.WaitAsync(Waiting.Long));
            await pipe.Input.CompleteAsync();
            await pipe.DisposeAsync().AsTask().WaitAsync(Waiting.Long);
            Assert.Equal(0, pool.Outstanding);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task CancelPendingFlush_ends_a_waiting_flush_as_canceled_and_a_cancel_with_none_waiting_cancels_the_next(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = SmallBuffers();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
            try
            {
                pipe.Output.CancelPendingFlush(); // none waiting: the next flush reports it, and still sends
                var first = await AsyncLoops.Within(pipe.Output.WriteAsync(new byte[] { 7 }));
                Assert.True(first.IsCanceled);
                Assert.Equal(7, (await Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, 1)).WaitAsync(Waiting.Long))[0]);

                var waiting = await FillUntilAFlushWaits(pipe.Output);
                pipe.Output.CancelPendingFlush();
                var canceled = await waiting.WaitAsync(AsyncLoops.Patience);
                Assert.True(canceled.IsCanceled);
                Assert.False(canceled.IsCompleted);

                await TheNextFlushWaitsUntilTheAbort(pipe);
            }
            finally
            {
                pipe.Abort(); // not DisposeAsync: the peer never reads, so a graceful end would wait for ever after a failed assertion
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task A_canceled_token_ends_a_waiting_flush_with_OperationCanceledException_and_the_connection_goes_on(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = SmallBuffers();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
            try
            {
                Assert.True((await pipe.Output.FlushAsync(new CancellationToken(canceled: true)).AsTask().ContinueWith(t => t.IsCanceled)));

                using var cancel = new CancellationTokenSource();
                Task<FlushResult> waiting;
                var rounds = 0;
                while (true)
                {
                    pipe.Output.Write(new byte[Chunk]);
                    waiting = pipe.Output.FlushAsync(cancel.Token).AsTask();
                    if (!await CompletesWithin(waiting, Stuck))
                    {
                        break;
                    }

                    Assert.True(++rounds < 4096, "no flush ever waited");
                }

                cancel.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(AsyncLoops.Patience));

                await TheNextFlushWaitsUntilTheAbort(pipe); // the writer goes on after the canceled flush
            }
            finally
            {
                pipe.Abort(); // not DisposeAsync: the peer never reads, so a graceful end would wait for ever after a failed assertion
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task Abort_lets_a_waiting_flush_report_completion_drops_the_unsent_and_returns_every_block(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pool = new CountingMemoryPool();
        var (client, server) = SmallBuffers();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { Pool = pool, DeferSends = defer, InlineScheduling = inline });
            var waiting = await FillUntilAFlushWaits(pipe.Output);
            Assert.True(pool.Outstanding > 0);

            pipe.Abort();
            Assert.True((await waiting.WaitAsync(AsyncLoops.Patience)).IsCompleted);
            Assert.True((await AsyncLoops.Within(pipe.Output.WriteAsync(new byte[] { 1 }))).IsCompleted); // later flushes too
            await pipe.Completion.WaitAsync(Waiting.Long);
            await pipe.Input.CompleteAsync();
            await pipe.Output.CompleteAsync();

            // The abort ended the writer at once; a send it caught in a system call or a wait gives its blocks back when that returns.
            await pool.WhenNoneOutstandingAsync(AsyncLoops.Patience);
            Assert.Equal(0, pool.Outstanding);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task A_send_that_waits_for_the_peer_goes_on_off_the_flushing_threads_synchronization_context(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        server.SendBufferSize = 4096; // the peer's window stays large: once it reads, the send goes at loopback speed
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
            try
            {
                await SendUntilAFlushWaitsOnAContextThatNeverRunsThenDrain(pipe, client);
            }
            finally
            {
                pipe.Abort(); // not DisposeAsync: with the send stuck (the failure this looks for), it would wait for ever
            }
        }
    }

    private static async Task SendUntilAFlushWaitsOnAContextThatNeverRunsThenDrain(DescriptorPipe pipe, Socket client)
    {
        // Flushes from a thread whose context never runs what is posted to it (a blocked UI thread, say),
        // until one waits for the peer: the send that would block started its wait on that thread.
        var context = new ContextThatNeverRuns();
        var (waiting, written) = await Task.Run(() =>
        {
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                for (var i = 1; i <= 4096; i++)
                {
                    pipe.Output.Write(new byte[Chunk]);
                    var flush = pipe.Output.FlushAsync();
                    if (!flush.IsCompleted)
                    {
                        return (flush.AsTask(), i * Chunk);
                    }

                    flush.GetAwaiter().GetResult();
                }

                throw new InvalidOperationException("no flush ever waited although the peer read nothing");
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(null);
            }
        }).WaitAsync(Waiting.Long);

        var received = await Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, written)).WaitAsync(Waiting.Long);
        Assert.Equal(written, received.Length);
        Assert.False((await waiting.WaitAsync(AsyncLoops.Patience)).IsCompleted);
        Assert.Equal(0, context.Posts);
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Writing_after_Complete_throws_and_completing_with_an_error_aborts_the_connection(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable));
            var pendingRead = pipe.Input.ReadAsync().AsTask();
            var reason = new IOException("the protocol gave up");
            pipe.Output.Complete(reason);
            Assert.Throws<InvalidOperationException>(() => pipe.Output.GetMemory());
            Assert.False((await AsyncLoops.Within(pipe.Output.FlushAsync())).IsCanceled); // as Pipe's writer: a flush after Complete is no error
            pipe.Output.Complete(); // again: nothing

            Assert.Same(reason, await Assert.ThrowsAsync<IOException>(() => pendingRead.WaitAsync(Waiting.Long)));
            await pipe.Completion.WaitAsync(Waiting.Long);
            Assert.Equal(0, await Task.Run(() => { try { return client.Receive(new byte[1]); } catch (SocketException) { return 0; } }).WaitAsync(Waiting.Long));
            Assert.Equal(0, loop.Count);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task Writes_of_every_size_flushed_now_and_then_arrive_in_order_and_idle_holds_no_block(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pool = new CountingMemoryPool();
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { Pool = pool, DeferSends = defer, InlineScheduling = inline });
            var data = DescriptorPipeTests.Bytes(3 << 20, seed: 9); // pieces up to 20,000 bytes: over a block, from the array pool
            var receiving = Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, data.Length));
            await DescriptorPipeTests.WriteInPiecesAsync(pipe.Output, data).WaitAsync(Waiting.Long);
            Assert.Equal(data, await receiving.WaitAsync(Waiting.Long));

            // Everything sent and nothing being written: the writer gives its blocks back (deferred, once the send ran).
            await pool.WhenNoneOutstandingAsync(AsyncLoops.Patience);
            Assert.Equal(0, pool.Outstanding);
            await pipe.Input.CompleteAsync();
            await pipe.DisposeAsync().AsTask().WaitAsync(Waiting.Long);
            Assert.Equal(0, await Task.Run(() => client.Receive(new byte[1])).WaitAsync(Waiting.Long)); // the write half shut
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task On_the_pool_deferred_sends_wait_until_the_applications_continuation_returns_then_leave_in_one_go(string backend)
    {
        using var loop = AsyncLoops.Open(backend, inline: false);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = true });
            var output = (DescriptorPipeWriter)pipe.Output;
            var reading = pipe.Input.ReadAsync().AsTask(); // waits: nothing was sent yet
            Assert.False(reading.IsCompleted);
            var answered = reading.ContinueWith(
                read =>
                {
                    // The continuation of the read, as Kestrel's request loop: sixteen answers, each flushed.
                    pipe.Input.AdvanceTo(read.Result.Buffer.End);
                    for (byte i = 1; i <= 16; i++)
                    {
                        Assert.True(pipe.Output.WriteAsync(new[] { i }).AsTask().IsCompletedSuccessfully);
                    }

                    return output.SendCalls; // still in the continuation: a send per flush would have made 16
                },
                TaskContinuationOptions.ExecuteSynchronously);
            client.Send([0]);
            var sentInTheContinuation = await answered.WaitAsync(Waiting.Long);
            var answers = await Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, 16)).WaitAsync(Waiting.Long);
            Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i), answers);

            // One system call for the sixteen; should the thread be preempted for the watchdog's period
            // mid-batch, that hold leaves early (a second call, rarely a third).
            Assert.InRange(sentInTheContinuation, 0, 2);
            Assert.InRange(output.SendCalls, 1, 3);
            await pipe.Input.CompleteAsync();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task On_the_pool_an_answer_flushed_before_the_application_blocks_is_not_held_back(string backend)
    {
        using var loop = AsyncLoops.Open(backend, inline: false);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            client.ReceiveTimeout = (int)Waiting.Long.TotalMilliseconds;
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = true });
            using var peerHasIt = new ManualResetEventSlim();
            var reading = pipe.Input.ReadAsync().AsTask();
            var served = reading.ContinueWith(
                read =>
                {
                    pipe.Input.AdvanceTo(read.Result.Buffer.End);
                    Assert.True(pipe.Output.WriteAsync(new byte[] { 7 }).AsTask().IsCompletedSuccessfully);

                    // Then a blocking call on the same thread (a synchronous query, a sleep between streamed
                    // events) that ends only once the peer has the answer: the held send leaves by the
                    // watchdog, as the continuation neither returns nor waits through the pipe.
                    return peerHasIt.Wait(Waiting.Long) ? "ok" : "the flushed answer was held until the application returned";
                },
                TaskContinuationOptions.ExecuteSynchronously);
            client.Send([0]);
            var answer = await Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, 1)).WaitAsync(Waiting.Long + Waiting.Long);
            peerHasIt.Set();
            Assert.Equal([7], answer);
            Assert.Equal("ok", await served.WaitAsync(Waiting.Long));
            await pipe.Input.CompleteAsync();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task On_the_pool_an_application_that_blocks_in_its_continuation_is_not_held_back_by_a_deferred_send(string backend)
    {
        using var loop = AsyncLoops.Open(backend, inline: false);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = true });
            var data = DescriptorPipeTests.Bytes(8 * PauseThreshold, seed: 11);
            var reading = pipe.Input.ReadAsync().AsTask();
            var served = reading.ContinueWith(
                read =>
                {
                    pipe.Input.AdvanceTo(read.Result.Buffer.End);

                    // Blocking calls in the read's continuation (Kestrel's with AllowSynchronousIO): an answer
                    // larger than the pause threshold, so flushes wait for the peer; then a blocking read of
                    // the peer's reply, which it sends only once it has the whole answer.
                    for (var at = 0; at < data.Length; at += Chunk)
                    {
                        pipe.Output.Write(data.AsSpan(at, Chunk));
                        if (!pipe.Output.FlushAsync().AsTask().Wait(Waiting.Long))
                        {
                            return "a flush that waited for the peer was never released";
                        }
                    }

                    var reply = pipe.Input.ReadAsync().AsTask();
                    if (!reply.Wait(Waiting.Long))
                    {
                        return "the reply never came: the answer's last bytes were held";
                    }

                    return reply.Result.Buffer.FirstSpan[0] == 42 ? "ok" : "a wrong reply";
                },
                TaskContinuationOptions.ExecuteSynchronously);
            client.Send([0]);
            var received = await Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, data.Length)).WaitAsync(Waiting.Long + Waiting.Long);
            Assert.Equal(data, received);
            client.Send([42]);
            Assert.Equal("ok", await served.WaitAsync(Waiting.Long + Waiting.Long));
            await pipe.Input.CompleteAsync();
        }
    }

    private static (Socket Client, Socket Server) SmallBuffers()
    {
        var (client, server) = Loopback.ConnectedPair();
        client.ReceiveBufferSize = 4096; // fixed on both sides: no window grows later and releases a waiting flush
        server.SendBufferSize = 4096;    // (with these, TCP crawls once the peer reads: for tests whose peer never does)
        return (client, server);
    }

    /// <summary>A large send buffer again, so what follows goes at loopback speed.</summary>
    private static void OpenUp(Socket server) => server.SendBufferSize = 1 << 20;

    /// <summary>Writes blocks of zeros until a flush does not complete: the peer reads nothing.</summary>
    private static async Task<Task<FlushResult>> FillUntilAFlushWaits(PipeWriter output)
    {
        for (var i = 0; i < 4096; i++)
        {
            var flush = output.WriteAsync(new byte[Chunk]).AsTask();
            if (!await CompletesWithin(flush, Stuck))
            {
                return flush;
            }
        }

        throw new InvalidOperationException("no flush ever waited although the peer read nothing");
    }

    /// <summary>Whether a flush completes within <paramref name="time"/> (its failure, if any, is thrown).</summary>
    private static async Task<bool> CompletesWithin(Task<FlushResult> flush, TimeSpan time)
    {
        if (await Task.WhenAny(flush, Task.Delay(time)) != flush)
        {
            return false;
        }

        await flush;
        return true;
    }

    /// <summary>
    /// A flush over the threshold (one threshold's worth more than what is unsent, whatever the kernel took
    /// meanwhile) waits while the peer does not read, and reports completion once the pipe is aborted.
    /// </summary>
    private static async Task TheNextFlushWaitsUntilTheAbort(DescriptorPipe pipe)
    {
        var next = pipe.Output.WriteAsync(new byte[PauseThreshold]).AsTask();
        Assert.False(await CompletesWithin(next, AsyncLoops.Quiet));
        pipe.Abort();
        Assert.True((await next.WaitAsync(AsyncLoops.Patience)).IsCompleted);
    }

    /// <summary>A synchronization context that never runs what is posted to it, and counts the posts.</summary>
    private sealed class ContextThatNeverRuns : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref _posts);

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("nothing runs here");
    }
}
