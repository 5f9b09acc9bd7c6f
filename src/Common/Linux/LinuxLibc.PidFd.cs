using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class LinuxLibc
{
    /// <summary>__NR_pidfd_open: the same number on every Linux architecture (the unified syscall table from 5.1 on).</summary>
    private const long SYS_pidfd_open = 434;

    private static int s_pidFd;

    /// <summary>True when this kernel has pidfd_open (Linux 5.3+); probed once on our own pid.</summary>
    public static bool HasPidFd
    {
        get
        {
            if (s_pidFd == 0)
            {
                var fd = PidFdOpen(Environment.ProcessId);
                if (fd >= 0)
                {
                    Libc.Close(fd);
                }

                s_pidFd = fd >= 0 ? 1 : -1;
            }

            return s_pidFd > 0;
        }
    }

    /// <summary>pidfd_open(2) through syscall(2), since glibc wraps it only from 2.36. The descriptor is always close-on-exec.</summary>
    internal static int PidFdOpen(int pid) => (int)Syscall(SYS_pidfd_open, pid, 0);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long pid, long flags);
}
