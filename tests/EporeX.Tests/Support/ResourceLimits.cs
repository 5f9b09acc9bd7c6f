using System;
using System.Runtime.InteropServices;

namespace EporeX.Tests.Support;

/// <summary>RLIMIT_NOFILE: how many descriptors this process may hold, and raising the soft limit to the hard one.</summary>
internal static unsafe partial class ResourceLimits
{
    /// <summary>7 on Linux, 8 on macOS and the BSDs.</summary>
    private static readonly int RLIMIT_NOFILE = OperatingSystem.IsLinux() ? 7 : 8;

    /// <summary>The soft and hard limits (rlim_t is 64 bits on every 64-bit Unix).</summary>
    public static (ulong Soft, ulong Hard) OpenFiles()
    {
        var limit = stackalloc ulong[2];
        if (GetRLimit(RLIMIT_NOFILE, limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (limit[0], limit[1]);
    }

    /// <summary>Raises the soft limit to the hard one when it is below <paramref name="wanted"/>; returns the soft limit now in force.</summary>
    public static ulong EnsureOpenFiles(ulong wanted)
    {
        var (soft, hard) = OpenFiles();
        if (soft >= wanted)
        {
            return soft;
        }

        var limit = stackalloc ulong[2];
        limit[0] = hard;
        limit[1] = hard;
        if (SetRLimit(RLIMIT_NOFILE, limit) != 0)
        {
            // macOS's hard limit is RLIM_INFINITY, and its setrlimit refuses (EINVAL) a soft one above
            // kern.maxfilesperproc: ask for just what is wanted. It may fail too; the caller reads what is in force.
            limit[0] = Math.Min(wanted, hard);
            SetRLimit(RLIMIT_NOFILE, limit);
        }

        return OpenFiles().Soft;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, ulong* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, ulong* limit);
}
