using System;
using System.Threading;
using EporeX.Unix;

namespace EporeX.Fallback.Poll;

/// <summary>
/// The queue's notification pipe (non-blocking, close-on-exec): one byte in it makes a blocked poll()
/// return. Notifications coalesce through a flag, so the pipe holds at most one byte and a write never
/// blocks. Registration changes, wakers and <see cref="PollEventQueue.Interrupt"/> all share it.
/// </summary>
internal sealed unsafe class PollNotifier : IDisposable
{
    private readonly FileDescriptorHandle _read;
    private readonly FileDescriptorHandle _write;
    private int _pending;

    /// <exception cref="EventQueueException">pipe failed (EMFILE…).</exception>
    public PollNotifier()
    {
        var error = Libc.OpenPipe(out var readEnd, out var writeEnd, nonBlocking: true);
        if (error != 0)
        {
            throw EventQueueErrors.Kernel("pipe", error);
        }

        _read = new FileDescriptorHandle(readEnd);
        _write = new FileDescriptorHandle(writeEnd);
    }

    /// <summary>The read end, for entry 0 of the pollfd array; valid while the queue is not disposed.</summary>
    public int ReadFd => _read.Fd;

    /// <summary>
    /// Makes the current or next poll() return. Never blocks; after <see cref="Dispose"/> it does nothing
    /// (the write end is referenced across the write, so a closed and reused number is never written).
    /// </summary>
    public void Notify()
    {
        if (Interlocked.Exchange(ref _pending, 1) != 0)
        {
            return; // a byte is already on its way
        }

        if (_write.IsClosed)
        {
            return;
        }

        try
        {
            using var reference = new HandleReference(_write);
            byte one = 1;
            while (Libc.Write(_write.Fd, &one, 1) < 0 && Errno.Last == Errno.EINTR)
            {
            }

            // EAGAIN would mean the pipe is full: it is already readable, which is all a notification needs.
        }
        catch (ObjectDisposedException)
        {
            // disposed between the check and the reference: there is no wait left to wake
        }
    }

    /// <summary>
    /// Called by the waiting thread when poll() saw the pipe readable: empties it, then lets the next
    /// <see cref="Notify"/> write again. The exchange is a full fence, so whatever a notifier changed
    /// before it found the flag still set is visible to the waiter's next look at the table.
    /// </summary>
    public void Acknowledge()
    {
        Libc.Drain(_read.Fd);
        Interlocked.Exchange(ref _pending, 0);
    }

    public void Dispose()
    {
        _write.Dispose();
        _read.Dispose();
    }
}
