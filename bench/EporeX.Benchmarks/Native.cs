using System;
using System.Runtime.InteropServices;

namespace EporeX.Benchmarks;

/// <summary>The few libc calls the benchmarks need to make descriptors ready, as polldispatch.c does.</summary>
internal static unsafe partial class Native
{
    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "pipe", SetLastError = true)]
    private static partial int Pipe(int* fds);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, RLimit* limit);

    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    /// <summary>Raises the soft descriptor limit to the hard one (K = 10,000 needs it); returns the limit now in force.</summary>
    public static ulong RaiseDescriptorLimit()
    {
        var resource = OperatingSystem.IsLinux() ? 7 : 8; // RLIMIT_NOFILE
        RLimit limit;
        if (GetRLimit(resource, &limit) != 0)
        {
            return 1024;
        }

        limit.Current = limit.Maximum;
        SetRLimit(resource, &limit);
        GetRLimit(resource, &limit);
        return limit.Current;
    }

    /// <summary>
    /// A descriptor that can be made readable and stays readable until drained: an eventfd on Linux (as
    /// polldispatch.c), the read end of a pipe elsewhere. Returns (watched, written-to).
    /// </summary>
    public static (int Watched, int Trigger) OpenReadySource()
    {
        if (OperatingSystem.IsLinux())
        {
            var fd = EventFd(0, 0x800 | 0x80000); // EFD_NONBLOCK | EFD_CLOEXEC
            return fd >= 0 ? (fd, fd) : throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }

        int* fds = stackalloc int[2];
        return Pipe(fds) == 0 ? (fds[0], fds[1]) : throw new InvalidOperationException($"pipe failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void CloseSource((int Watched, int Trigger) source)
    {
        Close(source.Watched);
        if (source.Trigger != source.Watched)
        {
            Close(source.Trigger);
        }
    }

    public static void MakeReady((int Watched, int Trigger) source)
    {
        ulong one = 1;
        if (Write(source.Trigger, &one, OperatingSystem.IsLinux() ? 8u : 1u) <= 0)
        {
            throw new InvalidOperationException($"write failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void Drain(int fd)
    {
        var buffer = stackalloc byte[64];
        while (Read(fd, buffer, 64) > 0)
        {
        }
    }

    /// <summary>A pipe whose write end is non-blocking, for the async write benchmark. Returns (read, write).</summary>
    public static (int Read, int Write) OpenPipe()
    {
        int* fds = stackalloc int[2];
        if (Pipe(fds) != 0)
        {
            throw new InvalidOperationException($"pipe failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (fds[0], fds[1]);
    }

    /// <summary>Writes to a non-blocking descriptor until the kernel takes not one byte more; returns the bytes written.</summary>
    public static int Fill(int fd)
    {
        var buffer = stackalloc byte[4096];
        var total = 0;
        nint n;
        while ((n = Write(fd, buffer, 4096)) > 0)
        {
            total += (int)n;
        }

        while ((n = Write(fd, buffer, 1)) > 0)
        {
            total += (int)n;
        }

        return total;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes that are known to be there (the descriptor may be blocking).</summary>
    public static void Consume(int fd, int count)
    {
        var buffer = stackalloc byte[4096];
        while (count > 0)
        {
            var n = Read(fd, buffer, (nuint)Math.Min(count, 4096));
            if (n <= 0)
            {
                throw new InvalidOperationException($"read failed: errno {Marshal.GetLastPInvokeError()}");
            }

            count -= (int)n;
        }
    }
}
