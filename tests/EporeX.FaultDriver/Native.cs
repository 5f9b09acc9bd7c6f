using System.Runtime.InteropServices;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace EporeX.FaultDriver;

/// <summary>The driver's own libc calls: pipes, raw reads and writes as an application makes them, signals, and the descriptor scan.</summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";
    private const int F_GETFD = 1;
    private const int O_CLOEXEC = 0x80000;
    private const int O_NONBLOCK = 0x800;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int SIGUSR1 = 10;

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadRaw(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteRaw(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    public static bool IsOpen(int fd) => Fcntl(fd, F_GETFD, 0) >= 0;

    /// <summary>A non-blocking, close-on-exec pipe; the driver retries a refused pipe2 itself (it is the application here).</summary>
    public static (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        for (var attempt = 0; ; attempt++)
        {
            if (Pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0)
            {
                return (fds[0], fds[1]);
            }

            Expect.True(attempt < 100, $"pipe2 keeps failing: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>
    /// One read the way an application writes it: the bytes read, 0 at the end, or -1 when it would block;
    /// EINTR and any other error are the caller's to see (errno in <paramref name="errno"/>).
    /// </summary>
    public static int Read(int fd, System.Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            var n = ReadRaw(fd, p, (nuint)buffer.Length);
            errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)n;
        }
    }

    public static int Write(int fd, System.ReadOnlySpan<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            var n = WriteRaw(fd, p, (nuint)buffer.Length);
            errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)n;
        }
    }
}
