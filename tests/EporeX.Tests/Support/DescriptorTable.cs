using System.Collections.Generic;

namespace EporeX.Tests.Support;

/// <summary>
/// The process's open descriptor numbers, found by asking fcntl about each number rather than by listing
/// /proc/self/fd (a listing opens a descriptor of its own, which would show up as used).
/// </summary>
internal static class DescriptorTable
{
    private const int Scan = 4096;

    public static SortedSet<int> Open()
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
