using System;

namespace EporeX.Unix;

/// <summary>One kernel wait (epoll_wait, kevent, poll) with what is left of the caller's timeout.</summary>
internal interface IKernelWait
{
    /// <summary>
    /// Returns the kernel's result: a count, or -1 with errno set; or <see cref="KernelWait.Resume"/> when
    /// the wait ended early with nothing to report and must go on with the time that is left (poll(2)
    /// woken to rebuild its set).
    /// </summary>
    int WaitOnce(WaitTimeout left);
}

/// <summary>
/// The EINTR rule of every backend, written once (mio's <c>syscall!</c>, libuv's core loop): a wait that a
/// signal interrupts resumes with the time that is left (the .NET runtime sends signals of its own), and
/// any other failure is thrown. Generic over a struct, so each backend's call is inlined, not a delegate;
/// a ref struct may be one, so a wait can carry the caller's span of events.
/// </summary>
internal static class KernelWait
{
    /// <summary>What <see cref="IKernelWait.WaitOnce"/> returns to go on with the time that is left without an errno.</summary>
    public const int Resume = int.MinValue;

    /// <returns>The count the wait returned.</returns>
    /// <exception cref="EventQueueException">The wait failed with anything but EINTR.</exception>
    public static int Run<TWait>(ref TWait wait, TimeSpan? timeout, string call)
        where TWait : struct, IKernelWait, allows ref struct
    {
        var left = WaitTimeout.Start(timeout);
        int n;
        while ((n = wait.WaitOnce(left)) < 0)
        {
            if (n != Resume)
            {
                var errno = Errno.Last;
                if (errno != Errno.EINTR)
                {
                    throw EventQueueErrors.Kernel(call, errno);
                }
            }

            left = left.Remaining();
        }

        return n;
    }
}
