using System.IO;
using System.Runtime.InteropServices;

namespace EporeX.Tests.Support;

/// <summary>
/// Lowers a child process's descriptor limit while it runs (prlimit(2), as <c>prlimit --pid</c> does), so
/// that a test can leave it a known number of free descriptors above what it already holds, whatever its
/// start-up opened on this machine.
/// </summary>
internal static unsafe partial class ChildDescriptorLimit
{
    private const int RLIMIT_NOFILE = 7;

    [LibraryImport("libc", EntryPoint = "prlimit", SetLastError = true)]
    private static partial int PrLimit(int pid, int resource, RLimit* next, RLimit* previous);

    /// <summary>The descriptors <paramref name="pid"/> holds now (Linux's /proc).</summary>
    public static int Open(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>
    /// Sets the child's soft and hard limit so that exactly <paramref name="free"/> descriptor numbers are
    /// free below it (the kernel hands out the lowest free number; those above the limit stay open), and
    /// returns that limit.
    /// </summary>
    public static int LeaveFree(int pid, int free)
    {
        var open = new System.Collections.Generic.HashSet<int>();
        foreach (var entry in Directory.GetFileSystemEntries($"/proc/{pid}/fd"))
        {
            open.Add(int.Parse(Path.GetFileName(entry), System.Globalization.CultureInfo.InvariantCulture));
        }

        var limit = 0;
        for (var freeBelow = 0; freeBelow < free; limit++)
        {
            if (!open.Contains(limit))
            {
                freeBelow++;
            }
        }

        var value = new RLimit { Current = (ulong)limit, Maximum = (ulong)limit };
        Assert.True(PrLimit(pid, RLIMIT_NOFILE, &value, null) == 0, $"prlimit({pid}, RLIMIT_NOFILE, {limit}) failed: errno {Marshal.GetLastPInvokeError()}");
        return limit;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
