using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, void* buffer, nuint count);

    /// <summary>
    /// read(2), resumed when a signal interrupts it (the .NET runtime sends its own): the byte count, or -1
    /// with <see cref="Errno.Last"/> set to anything but EINTR. This file is the one home of the EINTR rule
    /// of descriptor I/O (read, write, recv, send); a kernel wait's is <see cref="KernelWait"/>.
    /// </summary>
    internal static unsafe nint ReadUninterrupted(int fd, void* buffer, nuint count)
    {
        nint n;
        while ((n = Read(fd, buffer, count)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        return n;
    }

    /// <summary>write(2), resumed when a signal interrupts it. See <see cref="ReadUninterrupted"/>.</summary>
    internal static unsafe nint WriteUninterrupted(int fd, void* buffer, nuint count)
    {
        nint n;
        while ((n = Write(fd, buffer, count)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        return n;
    }

    /// <summary>recv(2), resumed when a signal interrupts it. See <see cref="ReadUninterrupted"/>.</summary>
    internal static unsafe nint RecvUninterrupted(int fd, void* buffer, nuint length, int flags)
    {
        nint n;
        while ((n = Recv(fd, buffer, length, flags)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        return n;
    }

    /// <summary>send(2), resumed when a signal interrupts it. See <see cref="ReadUninterrupted"/>.</summary>
    internal static unsafe nint SendUninterrupted(int fd, void* buffer, nuint length, int flags)
    {
        nint n;
        while ((n = Send(fd, buffer, length, flags)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        return n;
    }

    /// <summary>Reads and discards everything a non-blocking descriptor holds (a drained wake pipe).</summary>
    internal static unsafe void Drain(int fd)
    {
        byte* buffer = stackalloc byte[128];
        while (ReadUninterrupted(fd, buffer, 128) > 0)
        {
        }
    }
}
