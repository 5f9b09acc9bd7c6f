using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// Linux's sched_getaffinity / sched_setaffinity for the calling thread (pid 0), over a cpu_set_t of 1024
/// bits as glibc and musl define it. Kept here rather than in src/Common: only the loop group pins threads.
/// </summary>
internal static unsafe partial class ThreadAffinity
{
    /// <summary>CPU_SETSIZE: 1024 CPUs, 16 words.</summary>
    private const int Words = 16;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Why pinning is unavailable here, for the group's report; null where it is available.</summary>
    public static string? Unsupported => IsSupported ? null
        : $"CPU affinity is not supported on {RuntimeInformation.OSDescription}: only Linux's sched_setaffinity binds a thread to a CPU";

    /// <summary>The CPUs the calling thread may run on (what taskset or the cgroup allow), in order.</summary>
    /// <exception cref="EventQueueException">sched_getaffinity failed.</exception>
    public static List<int> Allowed()
    {
        var set = stackalloc ulong[Words];
        if (GetAffinity(0, Words * sizeof(ulong), set) != 0)
        {
            var errno = Errno.Last;
            throw new EventQueueException($"sched_getaffinity failed with {Errno.Name(errno)}.", errno, -1);
        }

        var cpus = new List<int>();
        for (var cpu = 0; cpu < Words * 64; cpu++)
        {
            if ((set[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }

    /// <summary>Pins the calling thread to <paramref name="cpu"/>.</summary>
    /// <returns>0, or the errno.</returns>
    public static int PinCurrentThread(int cpu)
    {
        var set = stackalloc ulong[Words];
        new Span<ulong>(set, Words).Clear();
        set[cpu / 64] = 1UL << (cpu % 64);
        return SetAffinity(0, Words * sizeof(ulong), set) == 0 ? 0 : Errno.Last;
    }

    [LibraryImport(Libc.Library, EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int GetAffinity(int pid, nuint size, ulong* set);

    [LibraryImport(Libc.Library, EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SetAffinity(int pid, nuint size, ulong* set);
}
