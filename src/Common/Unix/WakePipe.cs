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
    /// needs. After <see cref="Dispose"/> it does nothing: the write end is referenced across the write,
    /// so a closed number that the kernel handed to someone else is never written.
    /// </summary>
    public void Write()
    {
        try
        {
            using var reference = new HandleReference(_write);
            byte one = 1;
            Libc.WriteUninterrupted(_write.Fd, &one, 1);
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
