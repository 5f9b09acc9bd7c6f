using System;
using System.Collections.Generic;
using System.Linq;

namespace EporeX.Tests.Support;

/// <summary>
/// The process's open descriptor numbers, found by asking fcntl about each number rather than by listing
/// /proc/self/fd (a listing opens a descriptor of its own, which would show up as used).
/// </summary>
internal static class DescriptorTable
{
    private const int Scan = 4096;

    // What each baseline descriptor was, to name in a failure one that was closed meanwhile.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> s_baselineTargets = new();

    /// <remarks>
    /// Descriptors of the runtime's own assemblies and native libraries (a .dll or .so path) are left out:
    /// the runtime maps them when it likes (ASP.NET Core's, with the transport tests in this process, are
    /// mapped lazily, some long after start, in the middle of another test's count), and no EporeX code
    /// opens one. What EporeX can leak (sockets, pipes, event objects, /dev/null) is always counted.
    /// </remarks>
    public static SortedSet<int> Open()
    {
        var open = new SortedSet<int>();
        for (var fd = 0; fd < Scan; fd++)
        {
            if (Native.IsOpen(fd) && !IsRuntimeImage(fd))
            {
                open.Add(fd);
            }
        }

        return open;
    }

    private static bool IsRuntimeImage(int fd)
    {
        try
        {
            return new System.IO.FileInfo($"/proc/self/fd/{fd}").LinkTarget is { } target
                && (target.EndsWith(".dll", System.StringComparison.Ordinal) || target.EndsWith(".so", System.StringComparison.Ordinal) || target.Contains(".so.", System.StringComparison.Ordinal));
        }
        catch (System.IO.IOException)
        {
            return false; // closed meanwhile (or no /proc): counted as it was seen
        }
    }

    /// <summary>
    /// <see cref="Open"/> once earlier tests' leftovers are gone: their undisposed handles finalized, so that
    /// a finalizer cannot close one in the middle of a later comparison. Take it as a comparison's baseline.
    /// </summary>
    public static SortedSet<int> Baseline()
    {
        System.GC.Collect();
        System.GC.WaitForPendingFinalizers();
        System.GC.Collect();
        var open = Open();
        foreach (var fd in open)
        {
            s_baselineTargets[fd] = Describe(fd); // to name, in a failure, a descriptor closed meanwhile
        }

        return open;
    }

    /// <summary>
    /// Asserts that the open descriptors are <paramref name="before"/> again, allowing them 10 s to settle:
    /// libkqueue closes a kqueue's own descriptors on its monitoring thread after close() returns, which on
    /// a busy core can be seconds later. A leaked descriptor never closes by itself, and there is no
    /// collection here, so a handle left to its finalizer still fails.
    /// </summary>
    public static void AssertBackTo(SortedSet<int> before)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var now = Open();
        while (!now.SetEquals(before) && clock.Elapsed < System.TimeSpan.FromSeconds(10))
        {
            System.Threading.Thread.Sleep(20);
            now = Open();
        }

        var opened = new SortedSet<int>(now);
        opened.ExceptWith(before);
        var closed = new SortedSet<int>(before);
        closed.ExceptWith(now);
        Assert.True(now.SetEquals(before), $"descriptors still open: [{string.Join(", ", opened.Select(Describe))}]; closed that were open before: [{string.Join(", ", closed.Select(fd => s_baselineTargets.GetValueOrDefault(fd, $"{fd}")))}]");
    }

    /// <summary>
    /// For a loop of create-and-dispose cycles: the table must be back to <paramref name="before"/>, or, when
    /// something outside the cycles opened a few descriptors meanwhile (the runtime's or libkqueue's
    /// process-wide state, made once and kept, which a busy machine delays into the count), it must not grow
    /// over <paramref name="moreCycles"/> more cycles. A leak of the cycles themselves grows with every
    /// batch (1,000 cycles leaking one descriptor in a hundred still add 10), so it fails either way.
    /// </summary>
    public static void AssertNoGrowth(SortedSet<int> before, Action moreCycles)
    {
        var first = Settle(before);
        if (first.SetEquals(before))
        {
            return;
        }

        moreCycles();
        var second = Settle(first);
        var grown = new SortedSet<int>(second);
        grown.ExceptWith(first);
        var extra = new SortedSet<int>(first);
        extra.ExceptWith(before);
        Assert.True(grown.Count == 0 && extra.Count <= 4, $"descriptors opened by the first batch: [{string.Join(", ", extra.Select(Describe))}]; by the second: [{string.Join(", ", grown.Select(Describe))}]");
    }

    /// <summary>The table once it equals <paramref name="target"/> or 10 s have passed.</summary>
    private static SortedSet<int> Settle(SortedSet<int> target)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var now = Open();
        while (!now.SetEquals(target) && clock.Elapsed < System.TimeSpan.FromSeconds(10))
        {
            System.Threading.Thread.Sleep(20);
            now = Open();
        }

        return now;
    }

    /// <summary>A descriptor and what it is (the target of /proc/self/fd/N on Linux), for a failure's message.</summary>
    private static string Describe(int fd)
    {
        try
        {
            var target = new System.IO.FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            return target is null ? $"{fd}" : $"{fd} ({target})";
        }
        catch (System.IO.IOException)
        {
            return $"{fd}";
        }
    }

    /// <summary>
    /// The <paramref name="count"/> numbers the kernel will hand out next, found by taking them (dup) and
    /// giving them back: fcntl alone would call a number free that another thread has reserved in the
    /// middle of a blocking open.
    /// </summary>
    public static List<int> NextFree(int count)
    {
        var taken = new List<int>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var fd = Native.Dup(0);
                Assert.True(fd >= 0, "dup(0) failed");
                taken.Add(fd);
            }
        }
        finally
        {
            foreach (var fd in taken)
            {
                Native.Close(fd);
            }
        }

        return taken;
    }
}
