using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Async;
using EporeX.Tests.Support;

namespace EporeX.Tests.Pipelines;

/// <summary>
/// DescriptorPipe's Input, its own PipeReader over the received blocks: Pipe's reader rules (compared
/// call by call with <c>new Pipe().Reader</c>), the pause threshold counted as Pipe counts it, cancellation,
/// the blocks it holds, and the receiving ahead of the application. Every backend, every scheduling.
/// </summary>
public sealed class DescriptorPipeInputTests
{
    public static TheoryData<string, bool, bool> AllWithModesAndTimings() => DescriptorPipeOutputTests.AllWithModesAndTimings();

    [Fact]
    public async Task The_reference_reader_behaves_as_this_class_expects()
    {
        var pipe = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var notes = await ProbeReader(pipe.Reader, async data =>
        {
            await pipe.Writer.WriteAsync(data);
        });
        Assert.Equal(ExpectedNotes, notes);
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task Reads_out_of_turn_are_refused_as_by_Pipes_reader_and_leave_the_input_intact(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { InlineScheduling = inline, DeferSends = defer });
            var notes = await ProbeReader(pipe.Input, data =>
            {
                client.Send(data.Span);
                return Task.CompletedTask;
            });
            Assert.Equal(ExpectedNotes, notes);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task A_second_read_while_one_waits_is_refused_and_the_waiting_read_still_gets_the_data(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { InlineScheduling = inline, DeferSends = defer });
            var waiting = pipe.Input.ReadAsync().AsTask();
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipe.Input.ReadAsync());
            Assert.Throws<InvalidOperationException>(() => pipe.Input.TryRead(out _));
            client.Send("still here"u8);
            var read = await waiting.WaitAsync(AsyncLoops.Patience);
            Assert.StartsWith("s", Encoding.ASCII.GetString(read.Buffer.ToArray()));
            pipe.Input.AdvanceTo(read.Buffer.End);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task Examined_bytes_do_not_count_toward_the_pause_so_a_frame_larger_than_the_threshold_arrives(string backend, bool inline, bool defer)
    {
        // A parser that examines everything and consumes nothing until its frame is whole (an HTTP header,
        // a length-prefixed message): as with Pipe, the threshold counts what it has not examined, else
        // receiving would stop below the frame's size and the read would wait forever.
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(
                loop.Register(server, Interest.Readable | Interest.Writable),
                new DescriptorPipeOptions { ReceivePauseThreshold = 16 * 1024, InlineScheduling = inline, DeferSends = defer });
            var frame = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();
            var sending = Task.Run(() => client.Send(frame));

            ReadResult read;
            while (true)
            {
                read = await pipe.Input.ReadAsync().AsTask().WaitAsync(AsyncLoops.Patience);
                Assert.False(read.IsCompleted);
                if (read.Buffer.Length >= frame.Length)
                {
                    break;
                }

                pipe.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }

            Assert.Equal(frame, read.Buffer.ToArray());
            pipe.Input.AdvanceTo(read.Buffer.End);
            Assert.Equal(frame.Length, await sending.WaitAsync(AsyncLoops.Patience));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task A_canceled_token_ends_a_waiting_read_with_OperationCanceledException_and_the_next_read_gets_the_data(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { InlineScheduling = inline, DeferSends = defer });
            using var cancel = new CancellationTokenSource();
            var waiting = pipe.Input.ReadAsync(cancel.Token).AsTask();
            Assert.False(await CompletesWithin(waiting, AsyncLoops.Quiet));
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(AsyncLoops.Patience));

            // A token canceled before the call: refused at once, nothing taken.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pipe.Input.ReadAsync(cancel.Token));

            client.Send("ping"u8);
            var read = await pipe.Input.ReadAtLeastAsync(4).AsTask().WaitAsync(AsyncLoops.Patience);
            Assert.Equal("ping", Encoding.ASCII.GetString(read.Buffer.ToArray()));
            pipe.Input.AdvanceTo(read.Buffer.End);

            // A token that is never canceled leaves nothing behind: the read completes with the data.
            using var unused = new CancellationTokenSource();
            var next = pipe.Input.ReadAsync(unused.Token).AsTask();
            client.Send("pong"u8);
            read = await next.WaitAsync(AsyncLoops.Patience);
            Assert.StartsWith("p", Encoding.ASCII.GetString(read.Buffer.ToArray()));
            pipe.Input.AdvanceTo(read.Buffer.End);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task An_idle_input_holds_no_block_and_completing_it_returns_what_it_held(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            using var pool = new CountingMemoryPool();
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { Pool = pool, InlineScheduling = inline, DeferSends = defer });
            try
            {
                var burst = new byte[10_000];
                client.Send(burst);
                Assert.Equal(burst.Length, (await DescriptorPipeTests.ReadAllAsync(pipe.Input, burst.Length).WaitAsync(AsyncLoops.Patience)).Length);
                await pool.WhenNoneOutstandingAsync(AsyncLoops.Patience);
                Assert.Equal(0, pool.Outstanding); // everything read and consumed: the blocks went back

                // Unread data holds its blocks until the application completes the input, even after an abort.
                client.Send(burst);
                await WhenBuffered(pipe.Input, burst.Length);
                Assert.True(pool.Outstanding >= burst.Length);
                pipe.Abort();
                await pipe.ReceiveCompletion.WaitAsync(AsyncLoops.Patience);
                pipe.Input.Complete();
                await pool.WhenNoneOutstandingAsync(AsyncLoops.Patience);
                Assert.Equal(0, pool.Outstanding);
            }
            finally
            {
                pipe.Abort();
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Taking_buffers_before_data_is_known_keeps_one_block_while_idle(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            using var pool = new CountingMemoryPool();
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { Pool = pool, InlineScheduling = inline, WaitForDataBeforeAllocatingBuffer = false });
            for (var round = 0; round < 3; round++)
            {
                client.Send(new byte[3000]);
                await DescriptorPipeTests.ReadAllAsync(pipe.Input, 3000).WaitAsync(AsyncLoops.Patience);
                Assert.Equal(1, pool.OutstandingBlocks); // the one block, emptied, kept for the next receive
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task The_peers_end_completes_ReceiveCompletion_while_the_application_is_not_reading(string backend, bool inline, bool defer)
    {
        // Kestrel's ConnectionClosed: the input reads ahead of the application, so a peer that leaves is
        // seen while the application is busy elsewhere; the data it sent before leaving is still read.
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { InlineScheduling = inline, DeferSends = defer });
            client.Send("last words"u8);
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            await pipe.ReceiveCompletion.WaitAsync(AsyncLoops.Patience);

            var read = await pipe.Input.ReadAsync().AsTask().WaitAsync(AsyncLoops.Patience);
            Assert.True(read.IsCompleted);
            Assert.Equal("last words", Encoding.ASCII.GetString(read.Buffer.ToArray()));
            pipe.Input.AdvanceTo(read.Buffer.End);
        }
    }

    public static TheoryData<string, bool> AllInlineWithTimings()
    {
        var data = new TheoryData<string, bool>();
        foreach (var row in AllWithModesAndTimings())
        {
            if ((bool)row[1])
            {
                data.Add((string)row[0], (bool)row[2]);
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(AllInlineWithTimings))]
    public async Task Completing_the_input_inside_an_inline_read_ends_receiving_at_once(string backend, bool defer)
    {
        // With inline scheduling the application runs inside the receiver's step. An application that
        // completes its input there (a protocol that has read all it wants) ends the receiving when that
        // step ends: not at the peer's next bytes, which may never come, and with every block returned.
        using var loop = AsyncLoops.Open(backend, inline: true);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            using var pool = new CountingMemoryPool();
            await using var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { Pool = pool, InlineScheduling = true, DeferSends = defer });
            async Task<string?> ReadAllItNeedsAsync()
            {
                var read = await pipe.Input.ReadAsync();
                Assert.Equal("all I need", Encoding.ASCII.GetString(read.Buffer.ToArray()));
                pipe.Input.AdvanceTo(read.Buffer.End);
                pipe.Input.Complete();
                return Thread.CurrentThread.Name;
            }

            var reading = ReadAllItNeedsAsync(); // waits: its continuation is registered before any byte comes
            Assert.False(reading.IsCompleted);
            client.Send("all I need"u8);
            var readOn = await reading.WaitAsync(AsyncLoops.Patience);

            Assert.Equal(new EventLoopOptions().ThreadName, readOn); // the premise: the application ran inside the receiver
            await pipe.ReceiveCompletion.WaitAsync(AsyncLoops.Patience);
            await pool.WhenNoneOutstandingAsync(AsyncLoops.Patience);
            Assert.Equal(0, pool.Outstanding);
        }
    }

    private static readonly string[] ExpectedNotes =
    [
        "AdvanceTo before any read: InvalidOperationException",
        "waiting read: abc",
        "read before AdvanceTo: InvalidOperationException",
        "TryRead before AdvanceTo: InvalidOperationException",
        "after AdvanceTo(consumed 1, examined all): TryRead False",
        "next read: bcde",
        "examined before consumed: InvalidOperationException",
        "read after Complete: InvalidOperationException",
        "TryRead after Complete: InvalidOperationException",
    ];

    /// <summary>
    /// Calls a reader out of turn and notes what each call did; <paramref name="feed"/> makes bytes arrive.
    /// Not probed: a second read while one waits, which breaks Pipe itself (its writer then reports completion).
    /// </summary>
    private static async Task<List<string>> ProbeReader(PipeReader reader, Func<ReadOnlyMemory<byte>, Task> feed)
    {
        var notes = new CallNotes();
        notes.Call("AdvanceTo before any read", () => reader.AdvanceTo(default));
        var waiting = reader.ReadAsync().AsTask();
        await feed("abc"u8.ToArray());
        var read = await waiting.WaitAsync(AsyncLoops.Patience);
        notes.Add($"waiting read: {Encoding.ASCII.GetString(read.Buffer.ToArray())}");
        await notes.CallAsync("read before AdvanceTo", async () => await reader.ReadAsync());
        notes.Call("TryRead before AdvanceTo", () => reader.TryRead(out _));
        reader.AdvanceTo(read.Buffer.GetPosition(1), read.Buffer.End);
        notes.Add($"after AdvanceTo(consumed 1, examined all): TryRead {reader.TryRead(out _)}");
        await feed("de"u8.ToArray());
        var next = await reader.ReadAsync().AsTask().WaitAsync(AsyncLoops.Patience); // not ReadAtLeastAsync: Pipe's counts only unexamined bytes
        notes.Add($"next read: {Encoding.ASCII.GetString(next.Buffer.ToArray())}");
        var buffer = next.Buffer;
        notes.Call("examined before consumed", () => reader.AdvanceTo(buffer.GetPosition(3), buffer.GetPosition(1)));
        reader.AdvanceTo(buffer.End);
        reader.Complete();
        await notes.CallAsync("read after Complete", async () => await reader.ReadAsync());
        notes.Call("TryRead after Complete", () => reader.TryRead(out _));
        return notes;
    }

    private static async Task WhenBuffered(PipeReader input, int bytes)
    {
        while (true)
        {
            var read = await input.ReadAsync().AsTask().WaitAsync(AsyncLoops.Patience);
            if (read.Buffer.Length >= bytes)
            {
                input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return;
            }

            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static async Task<bool> CompletesWithin(Task task, TimeSpan time) => await Task.WhenAny(task, Task.Delay(time)) == task;
}
