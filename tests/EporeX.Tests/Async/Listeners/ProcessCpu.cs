using System;
using System.Runtime.InteropServices;

namespace EporeX.Tests.Async;

/// <summary>
/// The CPU time of the whole process (getrusage RUSAGE_SELF): tells a component that sleeps from one that
/// spins, on whatever thread it runs. Opens no descriptor, so it works at the descriptor limit too.
/// </summary>
internal static unsafe partial class ProcessCpu
{
    private const int RUSAGE_SELF = 0;

    public static TimeSpan Used()
    {
        // struct rusage starts with two struct timeval { long tv_sec; long tv_usec; }; 18 longs in all.
        var usage = stackalloc long[18];
        if (GetRUsage(RUSAGE_SELF, usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return TimeSpan.FromMicroseconds((usage[0] * 1_000_000) + usage[1] + (usage[2] * 1_000_000) + usage[3]);
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRUsage(int who, long* usage);
}
