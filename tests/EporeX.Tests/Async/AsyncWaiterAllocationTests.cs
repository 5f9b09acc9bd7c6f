using System.Diagnostics;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>
/// Two awaits that suspend allocate nothing in steady state. In the serial collection, as the other
/// allocation tests of paths that wait for the loop thread. CI's loaded run (one busy core, tests in
/// parallel) once counted 248 to 496 bytes in each of six blocks of 200 rounds on poll(2), which no code
/// of the path explains; the likeliest source is the runtime moving methods between JIT tiers (see
/// <see cref="Allocations"/>), which parallel tests keep busy, and which a serial run lets settle.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class AsyncWaiterAllocationTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Two_awaits_that_suspend_allocate_nothing_in_steady_state(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var failures = 0;
        Allocations.AssertNone(
            () =>
            {
                var first = fd.ReadableAsync();
                var second = fd.ReadableAsync();
                failures += first.IsCompleted || second.IsCompleted ? 1 : 0; // the pipe is empty: both must suspend
                pipe.Write(1);
                var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
                while (!(first.IsCompleted && second.IsCompleted) && Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.Yield();
                }

                var guard = first.GetAwaiter().GetResult(); // (throws if it never completed)
                second.GetAwaiter().GetResult();
                pipe.Drain();
                guard.ClearReady();
            },
            warmUp: 50,
            perBlock: 200,
            maxBlocks: 12);
        Assert.Equal(0, failures);
    }
}
