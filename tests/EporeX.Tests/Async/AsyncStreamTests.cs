using System;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Async;

/// <summary>AsStream() plugs a descriptor into StreamReader, PipeReader and CopyToAsync, with cancellation and timeouts.</summary>
public sealed class AsyncStreamTests
{
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task StreamReader_reads_lines_as_they_are_written(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var reader = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        using var writer = loop.Register(pipe.WriteEnd, Interest.Writable, leaveOpen: true);
        using var lines = new StreamReader(reader.AsStream(), Encoding.UTF8);
        var output = writer.AsStream();

        var first = lines.ReadLineAsync();
        Assert.False(first.IsCompleted);
        await output.WriteAsync(Encoding.UTF8.GetBytes("hello\nworld\n"));
        Assert.Equal("hello", await first.WaitAsync(AsyncLoops.Patience));
        Assert.Equal("world", await lines.ReadLineAsync().WaitAsync(AsyncLoops.Patience));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task CopyToAsync_moves_every_byte_until_the_end_of_the_stream(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var reader = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        using var writer = loop.Register(pipe.WriteEnd, Interest.Writable, leaveOpen: true);
        var data = new byte[1 << 20]; // far more than a pipe holds: both sides wait, in turn
        new Random(7).NextBytes(data);
        var sink = new MemoryStream();

        var copy = reader.AsStream().CopyToAsync(sink);
        await AsyncLoops.Within(writer.WriteAllAsync(data));
        writer.Dispose();
        pipe.CloseWriter();
        await AsyncLoops.Within(copy);
        Assert.Equal(data, sink.ToArray());
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task PipeReader_over_the_stream_reads_what_is_written(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var reader = loop.Register(new SafeFileHandle(pipe.Read, ownsHandle: false), Interest.Readable);
        var pipeReader = PipeReader.Create(reader.AsStream());
        pipe.Write(100);
        var total = 0;
        while (total < 100)
        {
            var result = await pipeReader.ReadAsync().AsTask().WaitAsync(AsyncLoops.Patience);
            total += (int)result.Buffer.Length;
            pipeReader.AdvanceTo(result.Buffer.End);
        }

        Assert.Equal(100, total);
        await pipeReader.CompleteAsync();
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task ReadTimeout_ends_a_read_with_TimeoutException_and_the_next_read_works(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var reader = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var stream = reader.AsStream();
        Assert.True(stream.CanTimeout);
        stream.ReadTimeout = 100;
        var buffer = new byte[8];

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => stream.ReadAsync(buffer).AsTask().WaitAsync(AsyncLoops.Patience));
        Assert.InRange(clock.ElapsedMilliseconds, 80, 5000);
        Assert.Throws<TimeoutException>(() => stream.Read(buffer, 0, buffer.Length)); // the blocking read too

        pipe.Write(3);
        Assert.Equal(3, await stream.ReadAsync(buffer).AsTask().WaitAsync(AsyncLoops.Patience));
        pipe.Write(2);
        Assert.Equal(2, stream.Read(buffer, 0, buffer.Length));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_cancelled_stream_read_throws_and_loses_nothing(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var reader = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var stream = reader.AsStream();
        using var cts = new CancellationTokenSource(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[4], cts.Token).AsTask().WaitAsync(AsyncLoops.Patience));
        pipe.Write(4);
        Assert.Equal(4, await stream.ReadAsync(new byte[4]).AsTask().WaitAsync(AsyncLoops.Patience));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task WriteTimeout_ends_a_write_to_a_full_pipe_with_TimeoutException(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var writer = loop.Register(pipe.WriteEnd, Interest.Writable, leaveOpen: true);
        var stream = writer.AsStream();
        stream.WriteTimeout = 100;
        Native.FillUntilFull(pipe.WriteEnd);
        await Assert.ThrowsAsync<TimeoutException>(() => stream.WriteAsync(new byte[10]).AsTask().WaitAsync(AsyncLoops.Patience));
        Assert.Throws<TimeoutException>(() => stream.Write(new byte[10]));
        pipe.Drain();
        await stream.WriteAsync(new byte[10]).AsTask().WaitAsync(AsyncLoops.Patience);
        Assert.Equal(10, pipe.Drain());
    }
}

/// <summary>A timed read that has to wait allocates nothing in steady state: the timeout is one reusable cancellation per direction.</summary>
[Collection(SerialCollection.Name)]
public sealed class AsyncStreamTimeoutAllocationTests
{
    private const int Reads = 1_000;

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_timed_read_that_waits_allocates_nothing_in_steady_state(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        using var stream = fd.AsStream();
        stream.ReadTimeout = 30_000;
        var reader = new Reader(stream);
        var reading = Task.Run(() => reader.RunAsync(200 + (Reads * 8)));

        // The writer feeds one byte each time the reader waits, so that every read takes the timed path.
        var windows = new long[8];
        var measured = -1;
        Feed(reader, pipe, 200); // warm-up: tiering, the source's timer, the pools
        for (var w = 0; w < windows.Length && measured < 0; w++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            Feed(reader, pipe, Reads);
            windows[w] = GC.GetTotalAllocatedBytes(precise: true) - before;

            // Counted process-wide (the read completes on the loop thread or the pool), with the runtime's own
            // per-unit-of-time allocations allowed for: 8 B per read. A CancellationTokenSource (64 B), a timer
            // or a state machine box per read shows in every window.
            if (windows[w] < Reads * 8)
            {
                measured = w;
            }
        }

        reader.Stop();
        pipe.Write(1);
        await reading.WaitAsync(AsyncLoops.Patience);
        Assert.True(reader.Suspended > reader.Completed / 2, $"only {reader.Suspended} of {reader.Completed} reads waited: the timed path was not measured");
        Assert.True(measured >= 0, $"every window of {Reads} timed reads allocated: {string.Join(", ", windows)} B");
    }

    private static void Feed(Reader reader, TestPipe pipe, int count)
    {
        var target = reader.Completed + count;
        var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (System.Diagnostics.Stopwatch.Frequency * 30);
        while (Volatile.Read(ref reader.Completed) < target)
        {
            Assert.True(System.Diagnostics.Stopwatch.GetTimestamp() < deadline, "the reader stopped making progress");
            if (Volatile.Read(ref reader.Waiting) == 1)
            {
                Volatile.Write(ref reader.Waiting, 0);
                pipe.Write(1);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    /// <summary>Reads one byte at a time, as an application's read loop would, and says when a read waits.</summary>
    private sealed class Reader(Stream stream)
    {
        public int Waiting;
        public int Completed;
        public int Suspended;
        private volatile bool _stop;

        public void Stop() => _stop = true;

        public async Task RunAsync(int max)
        {
            var buffer = new byte[1];
            for (var i = 0; i < max && !_stop; i++)
            {
                var read = stream.ReadAsync(buffer);
                if (!read.IsCompleted)
                {
                    Suspended++;
                    Volatile.Write(ref Waiting, 1);
                }

                await read;
                Interlocked.Increment(ref Completed);
            }
        }
    }
}
