using System;

namespace EporeX.Unix;

/// <summary>
/// A non-blocking, close-on-exec pipe whose only job is to make a blocked wait return: one byte written
/// to it makes the read end readable. Used where the kernel has no better wake (poll(2), a kqueue without
/// EVFILT_USER).
/// </summary>
internal sealed unsafe class WakePipe : IDisposable
{
    private readonly FileDescriptorHandle _read;
    private readonly FileDescriptorHandle _write;

    /// <exception cref="EventQueueException">pipe failed (EMFILE…); nothing is left open.</exception>
    public WakePipe()
    {
        var error = Libc.OpenPipe(out var readEnd, out var writeEnd, nonBlocking: true);
        if (error != 0)
        {
            throw EventQueueErrors.Kernel("pipe", error);
        }

        _read = new FileDescriptorHandle(readEnd);
        _write = new FileDescriptorHandle(writeEnd);
    }

    /// <summary>The read end, to register with the kernel; valid until <see cref="Dispose"/>.</summary>
    public int ReadFd => _read.Fd;

    /// <summary>The write end's number, to recognise it (a waker's own descriptor).</summary>
    public int WriteFd => _write.Fd;

    public bool IsClosed => _write.IsClosed;

    /// <summary>
    /// Writes one byte without blocking. A full pipe (EAGAIN) is already readable, which is all a wake
    /// needs, but EAGAIN is believed only once the read end is seen readable: a write refused while the
    /// pipe is empty (a fault injected at the system call, found by tests/EporeX.Tests/Faults) would
    /// otherwise be a lost wake, and for the poll(2) queue, whose notifier writes only once until the
    /// waiter drains, every later wake lost with it. After <see cref="Dispose"/> it does nothing: both
    /// ends are referenced across the calls, so a closed number that the kernel handed to someone else is
    /// never used.
    /// </summary>
    public void Write()
    {
        try
        {
            using var write = new HandleReference(_write);
            using var read = new HandleReference(_read);
            byte one = 1;
            while (Libc.WriteUninterrupted(_write.Fd, &one, 1) < 0 && Errno.Last == Errno.EAGAIN && !Libc.HasInput(_read.Fd))
            {
            }
        }
        catch (ObjectDisposedException)
        {
            // closed meanwhile: there is no wait left to wake
        }
    }

    /// <summary>
    /// Empties the pipe, so that the read end is quiet until the next <see cref="Write"/>; after
    /// <see cref="Dispose"/> it does nothing (the read end is referenced across the reads).
    /// </summary>
    public void Drain()
    {
        try
        {
            using var reference = new HandleReference(_read);
            Libc.Drain(_read.Fd);
        }
        catch (ObjectDisposedException)
        {
            // closed meanwhile: nothing is left to drain
        }
    }

    public void Dispose()
    {
        _write.Dispose();
        _read.Dispose();
    }
}
