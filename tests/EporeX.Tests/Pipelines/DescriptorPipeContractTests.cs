using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.IO.Pipelines;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Async;
using EporeX.Tests.Support;

namespace EporeX.Tests.Pipelines;

/// <summary>
/// DescriptorPipe's Output and Input against the PipeWriter/PipeReader contract as System.IO.Pipelines'
/// own Pipe keeps it: the same calls are made on a plain <c>new Pipe()</c> and on the DescriptorPipe, and
/// what each call did (its result or the exception's type) must be the same.
/// </summary>
public sealed class DescriptorPipeContractTests
{
    public static TheoryData<string, bool, bool> AllWithModesAndTimings() => DescriptorPipeOutputTests.AllWithModesAndTimings();

    /// <summary>Runs the writer's calls, noting what each did; returns the notes and the bytes the calls flushed.</summary>
    private static async Task<(List<string> Notes, int Flushed)> ProbeWriter(PipeWriter w)
    {
        var notes = new CallNotes();
        var flushed = 0;

        async Task NoteFlush(string step, Func<ValueTask<FlushResult>> flush)
        {
            try
            {
                var result = await flush().AsTask().WaitAsync(AsyncLoops.Patience);
                notes.Add($"{step}: canceled={result.IsCanceled} completed={result.IsCompleted}");
            }
            catch (Exception e)
            {
                notes.Add($"{step}: {e.GetType().Name}");
            }
        }

        notes.Add($"CanGetUnflushedBytes={w.CanGetUnflushedBytes}");
        notes.Call("GetMemory(0) not empty", () => Assert.False(w.GetMemory(0).IsEmpty));
        notes.Call("GetSpan(0) not empty", () => Assert.False(w.GetSpan(0).IsEmpty));
        notes.Call("GetMemory(-1)", () => w.GetMemory(-1));
        notes.Call("GetSpan(-1)", () => w.GetSpan(-1));
        notes.Call("GetMemory twice without Advance: the same memory", () => Assert.True(w.GetMemory(10).Equals(w.GetMemory(10))));
        notes.Call("Advance past the memory", () => w.Advance(w.GetMemory(10).Length + 1));
        notes.Call("Advance(-1)", () => w.Advance(-1));
        notes.Call("Advance(0)", () => w.Advance(0));
        notes.Call("GetMemory(100000) is that large", () => Assert.True(w.GetMemory(100_000).Length >= 100_000));
        notes.Call("GetSpan(70000) is that large", () => Assert.True(w.GetSpan(70_000).Length >= 70_000));
        notes.Call("Advance(5)", () =>
        {
            w.GetSpan(5)[..5].Fill(1);
            w.Advance(5);
        });
        notes.Add($"UnflushedBytes={w.UnflushedBytes}");
        await NoteFlush("FlushAsync", () => w.FlushAsync());
        flushed += 5;
        notes.Add($"UnflushedBytes={w.UnflushedBytes}");
        await NoteFlush("FlushAsync with nothing written", () => w.FlushAsync());

        w.CancelPendingFlush();
        await NoteFlush("FlushAsync after CancelPendingFlush with none waiting", () => w.FlushAsync());
        await NoteFlush("the flush after that", () => w.FlushAsync());

        await NoteFlush("WriteAsync(3)", () => w.WriteAsync(new byte[] { 2, 2, 2 }));
        flushed += 3;
        await NoteFlush("WriteAsync(empty)", () => w.WriteAsync(ReadOnlyMemory<byte>.Empty));

        // Two Advances into one memory, then the flush.
        notes.Call("Advance twice into one memory", () =>
        {
            var span = w.GetSpan(4);
            span[..4].Fill(3);
            w.Advance(2);
            w.Advance(2);
        });
        notes.Add($"UnflushedBytes={w.UnflushedBytes}");
        await NoteFlush("FlushAsync", () => w.FlushAsync());
        flushed += 4;

        // An already canceled token: canceled either way (thrown or returned).
        await NoteFlush("FlushAsync(canceled token) with nothing written", () => w.FlushAsync(new CancellationToken(canceled: true)));

        notes.Call("Complete()", () => w.Complete());
        notes.Call("Complete() again", () => w.Complete());
        notes.Call("GetMemory after Complete", () => w.GetMemory());
        notes.Call("GetSpan after Complete", () => w.GetSpan());
        await NoteFlush("FlushAsync after Complete", () => w.FlushAsync());
        await NoteFlush("WriteAsync after Complete", () => w.WriteAsync(new byte[] { 9 }));
        try
        {
            await w.CompleteAsync().AsTask().WaitAsync(AsyncLoops.Patience);
            notes.Add("CompleteAsync after Complete: ok");
        }
        catch (Exception e)
        {
            notes.Add($"CompleteAsync after Complete: {e.GetType().Name}");
        }

        return (notes, flushed);
    }

    private static async Task<List<string>> ReferenceWriterNotes()
    {
        var reference = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var (notes, flushed) = await ProbeWriter(reference.Writer);
        var read = await reference.Reader.ReadAtLeastAsync(flushed).AsTask().WaitAsync(AsyncLoops.Patience);
        Assert.Equal(flushed, read.Buffer.Length);
        Assert.True(read.IsCompleted);
        reference.Reader.Complete();
        return notes;
    }

    [Fact]
    public async Task The_reference_writer_behaves_as_this_class_expects()
    {
        // What Pipe's own writer does, for the report: the DescriptorPipe's notes are compared with these.
        var notes = await ReferenceWriterNotes();
        Assert.Contains("GetMemory(-1): ArgumentOutOfRangeException", notes);
        Assert.Contains("Advance past the memory: ArgumentOutOfRangeException", notes);
        Assert.Contains("GetMemory after Complete: InvalidOperationException", notes);
        Assert.Contains("FlushAsync after Complete: canceled=False completed=False", notes); // no exception
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task Output_answers_every_call_as_Pipes_writer_does_and_sends_what_was_flushed(string backend, bool inline, bool defer)
    {
        var expected = await ReferenceWriterNotes();

        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
            try
            {
                var (notes, flushed) = await ProbeWriter(pipe.Output);
                Assert.Equal(string.Join("\n", expected), string.Join("\n", notes));

                var received = await Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, flushed)).WaitAsync(Waiting.Long);
                Assert.Equal(new byte[] { 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3 }, received);
                Assert.Equal(0, await Task.Run(() => client.Receive(new byte[1])).WaitAsync(Waiting.Long)); // Complete shut the write half
            }
            finally
            {
                pipe.Abort();
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task A_flush_of_hundreds_of_segments_some_of_them_empty_sends_every_byte_in_order(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
            try
            {
                var data = DescriptorPipeTests.Bytes(600 * 1000, seed: 11);
                var receiving = Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, data.Length));
                var w = pipe.Output;
                var at = 0;
                var i = 0;
                while (at < data.Length)
                {
                    // A pool block (4 KiB) left empty: more than it holds is asked for next, so a larger one
                    // (from the array pool) follows it, and takes a little over 4 KiB: the next round's block is new.
                    _ = w.GetMemory(4096);
                    var memory = w.GetMemory(4097);
                    var n = Math.Min(4100 + (i++ % 7), data.Length - at);
                    data.AsSpan(at, n).CopyTo(memory.Span);
                    w.Advance(n);
                    at += n;
                    if (i % 40 == 0)
                    {
                        await w.FlushAsync().AsTask().WaitAsync(Waiting.Long); // 40 rounds, 80 segments: over 64 iovecs
                    }
                }

                await w.FlushAsync().AsTask().WaitAsync(Waiting.Long);
                Assert.Equal(data, await receiving.WaitAsync(Waiting.Long));
                await w.CompleteAsync();
                Assert.Equal(0, await Task.Run(() => client.Receive(new byte[1])).WaitAsync(Waiting.Long));
            }
            finally
            {
                pipe.Abort();
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task Output_through_AsStream_CopyToAsync_and_Utf8JsonWriter_arrives_whole(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
            try
            {
                var data = DescriptorPipeTests.Bytes(200_000, seed: 3);
                using var json = new MemoryStream();
                using (var reference = new System.Text.Json.Utf8JsonWriter(json))
                {
                    WriteJson(reference);
                }

                var total = data.Length + data.Length + (int)json.Length;
                var receiving = Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, total));

                await new MemoryStream(data).CopyToAsync(pipe.Output).WaitAsync(Waiting.Long);
                var stream = pipe.Output.AsStream(leaveOpen: true);
                await stream.WriteAsync(data).AsTask().WaitAsync(Waiting.Long);
                await stream.FlushAsync().WaitAsync(Waiting.Long);
                using (var writer = new System.Text.Json.Utf8JsonWriter(pipe.Output))
                {
                    WriteJson(writer);
                }

                await pipe.Output.FlushAsync().AsTask().WaitAsync(Waiting.Long);
                var received = await receiving.WaitAsync(Waiting.Long);
                Assert.Equal(data, received[..data.Length]);
                Assert.Equal(data, received[data.Length..(2 * data.Length)]);
                Assert.Equal(json.ToArray(), received[(2 * data.Length)..]);
                await stream.DisposeAsync(); // leaveOpen: the writer is not completed
                await pipe.Output.WriteAsync(new byte[] { 5 }).AsTask().WaitAsync(Waiting.Long);
                Assert.Equal(5, (await Task.Run(() => DescriptorPipeTests.ReceiveExactly(client, 1)).WaitAsync(Waiting.Long))[0]);
            }
            finally
            {
                pipe.Abort();
            }
        }

        static void WriteJson(System.Text.Json.Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            for (var i = 0; i < 3000; i++)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", i);
                writer.WriteString("name", new string((char)('a' + (i % 26)), i % 300));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task Input_keeps_Pipes_reader_rules_and_reads_the_peers_end_with_the_data_left(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
            try
            {
                var input = pipe.Input;

                // CancelPendingRead: a waiting read returns as canceled; TryRead finds nothing.
                Assert.False(input.TryRead(out _));
                var waiting = input.ReadAsync().AsTask();
                input.CancelPendingRead();
                var canceled = await waiting.WaitAsync(AsyncLoops.Patience);
                Assert.True(canceled.IsCanceled);
                input.AdvanceTo(canceled.Buffer.Start);

                client.Send("hello"u8);
                var read = await input.ReadAtLeastAsync(5).AsTask().WaitAsync(AsyncLoops.Patience);
                Assert.Equal("hello", Encoding.ASCII.GetString(read.Buffer.ToArray()));

                // examined before consumed: InvalidOperationException, as Pipe's reader.
                var buffer = read.Buffer;
                Assert.Throws<InvalidOperationException>(() => input.AdvanceTo(buffer.GetPosition(3), buffer.GetPosition(1)));
                input.AdvanceTo(buffer.GetPosition(2), buffer.End); // "llo" left, all examined

                // Half-close by the application: the peer reads the end while this side still receives.
                pipe.Output.Complete();
                Assert.Equal(0, await Task.Run(() => client.Receive(new byte[1])).WaitAsync(Waiting.Long));

                client.Send("!"u8);
                client.Shutdown(SocketShutdown.Send);
                ReadResult last;
                while (true)
                {
                    last = await input.ReadAsync().AsTask().WaitAsync(AsyncLoops.Patience);
                    if (last.IsCompleted)
                    {
                        break;
                    }

                    input.AdvanceTo(last.Buffer.Start, last.Buffer.End);
                }

                Assert.Equal("llo!", Encoding.ASCII.GetString(last.Buffer.ToArray())); // the end, with what is left
                input.AdvanceTo(last.Buffer.Start, last.Buffer.End);
                Assert.True(input.TryRead(out var again));
                Assert.True(again.IsCompleted);
                Assert.Equal(4, again.Buffer.Length);
                input.AdvanceTo(again.Buffer.End);
                input.Complete();
                Assert.Throws<InvalidOperationException>(() => input.TryRead(out _));
                await Assert.ThrowsAsync<InvalidOperationException>(async () => await input.ReadAsync());
                await pipe.ReceiveCompletion.WaitAsync(Waiting.Long);
                await pipe.Completion.WaitAsync(Waiting.Long);
            }
            finally
            {
                pipe.Abort();
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task Input_read_after_the_peer_reset_throws_SocketException(string backend, bool inline, bool defer)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
        try
        {
            client.LingerState = new LingerOption(true, 0);
            client.Close(); // RST
            var e = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                while (true)
                {
                    var read = await pipe.Input.ReadAsync().AsTask().WaitAsync(AsyncLoops.Patience);
                    Assert.False(read.IsCompleted, "the reset was read as a clean end of stream");
                    pipe.Input.AdvanceTo(read.Buffer.End);
                }
            });
            Assert.IsType<SocketException>(e);

            // The output meets the reset too: a flush throws (or the abort it caused reports completion), never hangs.
            try
            {
                for (var i = 0; i < 100; i++)
                {
                    var flush = await pipe.Output.WriteAsync(new byte[1000]).AsTask().WaitAsync(AsyncLoops.Patience);
                    if (flush.IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (SocketException)
            {
            }
            catch (IOException)
            {
            }
        }
        finally
        {
            pipe.Abort();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AllWithModesAndTimings))]
    public async Task After_Abort_flushes_report_completion_and_writing_goes_on_harmlessly_as_Pipes_after_its_reader_completed(string backend, bool inline, bool defer)
    {
        // Pipe: once the reader completed, GetMemory works, Advance does nothing, flushes report IsCompleted.
        var reference = new Pipe();
        reference.Reader.Complete();
        reference.Writer.GetMemory(10);
        reference.Writer.Advance(10);
        var referenceFlush = await reference.Writer.FlushAsync();
        Assert.True(referenceFlush.IsCompleted);

        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var pipe = DescriptorPipe.Create(loop.Register(server, Interest.Readable | Interest.Writable), new DescriptorPipeOptions { DeferSends = defer, InlineScheduling = inline });
            var w = pipe.Output;
            w.GetSpan(3);
            pipe.Abort();
            w.Advance(3);
            Assert.True((await AsyncLoops.Within(w.FlushAsync())).IsCompleted);
            Assert.True((await AsyncLoops.Within(w.WriteAsync(new byte[10_000]))).IsCompleted);
            Assert.True(w.GetMemory(100_000).Length >= 100_000);
            w.Advance(100_000);
            Assert.True((await AsyncLoops.Within(w.FlushAsync())).IsCompleted);
            w.Complete();
            w.Complete();
            Assert.Throws<InvalidOperationException>(() => w.GetMemory());
            await pipe.Completion.WaitAsync(Waiting.Long);
        }
    }
}
