using System;
using System.IO;
using System.Threading;

namespace EporeX.Tests.Support;

/// <summary>How many descriptors this process holds: /proc/self/fd on Linux, /dev/fd on macOS and the BSDs.</summary>
public static class OpenDescriptors
{
    public static int Count()
    {
        var folder = Directory.Exists("/proc/self/fd") ? "/proc/self/fd" : "/dev/fd";
        return Directory.GetFiles(folder).Length;
    }

    /// <summary>
    /// The count once earlier tests' leftovers are gone: their undisposed handles finalized (a finalizer
    /// that closes one during a later count would make it look as if descriptors vanished) and the count
    /// steady over 100 ms (at most 2 s). Take it before a count's baseline, not after: a collection then
    /// would also close what the code under test forgot to dispose and hide the leak.
    /// </summary>
    public static int Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var count = Count();
        for (var i = 0; i < 20; i++)
        {
            Thread.Sleep(100);
            var next = Count();
            if (next == count)
            {
                break;
            }

            count = next;
        }

        return count;
    }

    /// <summary>
    /// The count once it is at most <paramref name="limit"/>, or after <paramref name="within"/>: libkqueue
    /// closes a closed kqueue's own descriptors on its monitoring thread, a little after close() returns.
    /// No collection here, so a handle left to its finalizer still counts as a leak.
    /// </summary>
    public static int AtMost(int limit, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var count = Count();
        while (count > limit && clock.Elapsed < within)
        {
            Thread.Sleep(20);
            count = Count();
        }

        return count;
    }
}
