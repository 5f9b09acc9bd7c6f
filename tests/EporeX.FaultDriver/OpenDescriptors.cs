using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace EporeX.FaultDriver;

/// <summary>
/// The process's open descriptor numbers, found with fcntl per number (as tests/EporeX.Tests' DescriptorTable
/// does: listing /proc/self/fd would open one of its own), and the leak check against a baseline.
/// </summary>
internal static class OpenDescriptors
{
    private const int Scan = 1024;

    public static SortedSet<int> Now()
    {
        var open = new SortedSet<int>();
        for (var fd = 0; fd < Scan; fd++)
        {
            if (Native.IsOpen(fd))
            {
                open.Add(fd);
            }
        }

        return open;
    }

    /// <summary>
    /// Fails unless the open descriptors are <paramref name="baseline"/> again within a generous bound:
    /// libkqueue closes a kqueue's own descriptors on its monitoring thread, after close() returns.
    /// </summary>
    public static void ExpectBackTo(SortedSet<int> baseline, string after)
    {
        var clock = Stopwatch.StartNew();
        var now = Now();
        while (!now.SetEquals(baseline) && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(10);
            now = Now();
        }

        var leaked = new SortedSet<int>(now);
        leaked.ExceptWith(baseline);
        var lost = new SortedSet<int>(baseline);
        lost.ExceptWith(now);
        Expect.True(now.SetEquals(baseline), $"after {after}: descriptors leaked [{string.Join(",", leaked)}], closed that were open [{string.Join(",", lost)}]");
    }
}
