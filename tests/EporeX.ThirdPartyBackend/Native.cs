using System.Runtime.InteropServices;

namespace EporeX.ThirdPartyBackend;

/// <summary>The few libc calls this backend makes (Linux values: the test suite runs it on Linux only).</summary>
internal static unsafe partial class Native
{
    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;
    public const short POLLRDHUP = 0x2000;
    public const int EINTR = 4;
    public const int EBADF = 9;
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const int F_GETFD = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "read")]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write")]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    public static bool IsOpen(int fd) => Fcntl(fd, F_GETFD, 0) != -1;

    /// <returns>0, or the errno.</returns>
    public static int OpenPipe(out int readEnd, out int writeEnd)
    {
        var fds = stackalloc int[2];
        var result = Pipe2(fds, O_CLOEXEC | O_NONBLOCK);
        readEnd = fds[0];
        writeEnd = fds[1];
        return result == 0 ? 0 : Marshal.GetLastPInvokeError();
    }
}
