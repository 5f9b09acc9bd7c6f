using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Async;

/// <summary>
/// 8 workers on one loop, each a writer and a reader on its own pipe or socketpair, with reads that are
/// cancelled at random moments and bare readiness awaits in between: every byte arrives, in order, and
/// no wakeup is lost (a lost one shows as a worker that never finishes). About 100,000 operations per backend.
/// </summary>
public sealed class AsyncStressTests(ITestOutputHelper output)
{
    private const int Workers = 8;
    private const int ChunksPerWorker = 5000;

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Eight_workers_lose_no_byte_and_no_wakeup(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, Workers).Select(i => Task.Run(() => Worker(loop, i, socket: i % 2 == 0))))
            .WaitAsync(TimeSpan.FromSeconds(120));
        var ops = results.Sum(r => r.Ops);
        var cancelled = results.Sum(r => r.Cancelled);
        output.WriteLine($"{backend} inline={inline}: {ops} operations ({cancelled} cancelled reads) in {clock.ElapsedMilliseconds} ms");
        Assert.True(ops >= 100_000, $"only {ops} operations ran");
        Assert.Equal(0, loop.Count);
    }

    private static async Task<(long Ops, long Cancelled)> Worker(EventLoop loop, int seed, bool socket)
    {
        var (readEnd, writeEnd) = socket ? Native.SocketPair() : Native.Pipe();
        var reader = loop.Register(readEnd, Interest.Readable, leaveOpen: true);
        var writer = loop.Register(writeEnd, Interest.Writable, leaveOpen: true);
        long ops = 0, cancelled = 0;
        try
        {
            var writing = Task.Run(async () =>
            {
                var random = new Random(seed);
                var chunk = new byte[256];
                long position = 0;
                for (var c = 0; c < ChunksPerWorker; c++)
                {
                    var size = random.Next(1, chunk.Length + 1);
                    for (var i = 0; i < size; i++)
                    {
                        chunk[i] = (byte)(position + i);
                    }

                    await writer.WriteAllAsync(chunk.AsMemory(0, size));
                    position += size;
                }

                writer.Dispose();
                if (socket)
                {
                    Native.Shutdown(writeEnd, Native.SHUT_WR);
                }
                else
                {
                    Native.Close(writeEnd);
                    writeEnd = -1;
                }

                return position;
            });

            var readRandom = new Random(seed + 100);
            var buffer = new byte[128];
            long expected = 0;
            while (true)
            {
                ops++;
                var choice = readRandom.Next(10);
                if (choice == 0)
                {
                    // A read cancelled at a random moment: it either reads or throws, and loses nothing.
                    using var cts = new CancellationTokenSource();
                    var read = reader.ReadAsync(buffer.AsMemory(0, readRandom.Next(1, buffer.Length + 1)), cts.Token);
                    cts.Cancel();
                    int n;
                    try
                    {
                        n = await read;
                    }
                    catch (OperationCanceledException)
                    {
                        cancelled++;
                        continue;
                    }

                    if (n == 0)
                    {
                        break;
                    }

                    Check(buffer, n, ref expected);
                    continue;
                }

                if (choice == 1)
                {
                    await reader.ReadableAsync(); // a bare await: completes at once if known, else on the next event
                    continue;
                }

                var count = await reader.ReadAsync(buffer.AsMemory(0, readRandom.Next(1, buffer.Length + 1)));
                if (count == 0)
                {
                    break;
                }

                Check(buffer, count, ref expected);
            }

            var written = await writing;
            Assert.Equal(written, expected);
            return (ops + ChunksPerWorker, cancelled);
        }
        finally
        {
            reader.Dispose();
            writer.Dispose();
            Native.Close(readEnd);
            if (writeEnd >= 0)
            {
                Native.Close(writeEnd);
            }
        }
    }

    private static void Check(byte[] buffer, int count, ref long expected)
    {
        for (var i = 0; i < count; i++)
        {
            if (buffer[i] != (byte)(expected + i))
            {
                Assert.Fail($"byte {expected + i} is {buffer[i]}, expected {(byte)(expected + i)}");
            }
        }

        expected += count;
    }
}
