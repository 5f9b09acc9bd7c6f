using System;
using System.Collections.Generic;

namespace EporeX.Tests.Support;

/// <summary>
/// Counts what a hot path allocates on the calling thread, in steady state. The runtime itself may
/// allocate once on this thread while it moves a method between JIT tiers (tiered PGO instruments a
/// method, then recompiles it, thousands of calls in and at a time no warm-up can pin down), so one
/// block of rounds is not enough: the path allocates nothing when some whole block of
/// <c>perBlock</c> consecutive rounds allocates nothing. A path that allocates on every round, or on
/// every few, allocates in every block and still fails.
/// </summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="round"/> <paramref name="warmUp"/> times, then in blocks of
    /// <paramref name="perBlock"/> until one block allocates 0 bytes or <paramref name="maxBlocks"/>
    /// have run; returns the bytes of the cleanest block and all blocks' counts, for the message.
    /// </summary>
    public static (long Least, string Blocks) InSteadyState(Action round, int warmUp = 200, int perBlock = 500, int maxBlocks = 8)
    {
        for (var i = 0; i < warmUp; i++)
        {
            round();
        }

        var blocks = new List<long>(maxBlocks);
        var least = long.MaxValue;
        for (var b = 0; b < maxBlocks && least != 0; b++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < perBlock; i++)
            {
                round();
            }

            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            blocks.Add(bytes);
            least = Math.Min(least, bytes);
        }

        return (least, $"bytes per block of {perBlock} rounds: {string.Join(", ", blocks)}");
    }

    /// <summary>Asserts that <paramref name="round"/> allocates nothing in steady state (see the class remarks).</summary>
    public static void AssertNone(Action round, int warmUp = 200, int perBlock = 500, int maxBlocks = 8)
    {
        var (least, blocks) = InSteadyState(round, warmUp, perBlock, maxBlocks);
        Assert.True(least == 0, $"the path allocates: {blocks}");
    }
}
