using System;
using System.Runtime.InteropServices;

namespace EporeX.Tests.Support;

/// <summary>
/// The CPU time the calling thread has used (getrusage with RUSAGE_THREAD, Linux only): tells a wait
/// that sleeps from one that spins, whatever the wall clock says.
/// </summary>
internal static unsafe partial class ThreadCpu
{
    private const int RUSAGE_THREAD = 1;

    public static bool IsAvailable => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>User plus system time of this thread.</summary>
    public static TimeSpan Used()
    {
        // struct rusage starts with two struct timeval { long tv_sec; long tv_usec; }; 18 longs in all.
        var usage = stackalloc long[18];
        if (GetRUsage(RUSAGE_THREAD, usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var micros = (usage[0] * 1_000_000) + usage[1] + (usage[2] * 1_000_000) + usage[3];
        return TimeSpan.FromMicroseconds(micros);
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRUsage(int who, long* usage);
}
