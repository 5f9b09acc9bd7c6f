using System;

namespace EporeX.Unix;

/// <summary>One kernel wait (epoll_wait, kevent, poll) with what is left of the caller's timeout.</summary>
internal interface IKernelWait
{
    /// <summary>Returns the kernel's result: a count, or -1 with errno set.</summary>
    int WaitOnce(WaitTimeout left);
}

/// <summary>
/// The EINTR rule of every backend, written once (mio's <c>syscall!</c>, libuv's core loop): a wait that a
/// signal interrupts resumes with the time that is left (the .NET runtime sends signals of its own), and
/// any other failure is thrown. Generic over a struct, so each backend's call is inlined, not a delegate.
/// </summary>
internal static class KernelWait
{
    /// <returns>The count the wait returned.</returns>
    /// <exception cref="EventQueueException">The wait failed with anything but EINTR.</exception>
    public static int Run<TWait>(ref TWait wait, TimeSpan? timeout, string call)
        where TWait : struct, IKernelWait
    {
        var left = WaitTimeout.Start(timeout);
        int n;
        while ((n = wait.WaitOnce(left)) < 0)
        {
            var errno = Errno.Last;
            if (errno != Errno.EINTR)
            {
                throw EventQueueErrors.Kernel(call, errno);
            }

            left = left.Remaining();
        }

        return n;
    }
}
