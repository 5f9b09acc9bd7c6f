using EporeX.Unix;

namespace EporeX.Linux;

/// <summary>pidfd_open: a descriptor that becomes readable when the process exits, and never reaps it.</summary>
internal static class PidFd
{
    /// <exception cref="ProcessNotFoundException">No such process (ESRCH).</exception>
    /// <exception cref="EventQueueException">pidfd_open failed otherwise (EMFILE, ENOSYS before Linux 5.3…).</exception>
    public static FileDescriptorHandle Open(int pid)
    {
        var fd = LinuxLibc.PidFdOpen(pid);
        if (fd >= 0)
        {
            return new FileDescriptorHandle(fd);
        }

        var errno = Errno.Last;
        throw errno == Errno.ESRCH ? new ProcessNotFoundException(pid, errno) : EventQueueErrors.Kernel($"pidfd_open({pid})", errno);
    }
}
