using System;
using System.Runtime.InteropServices;

namespace EporeX.Tests.Support;

/// <summary>The libc calls the tests make to build descriptors of every kind, portable across Linux, macOS and the BSDs.</summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SHUT_WR = 1;
    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int FD_CLOEXEC = 1;
    public static readonly int O_NONBLOCK = OperatingSystem.IsLinux() ? 0x800 : 0x4;
    public static readonly int EAGAIN = OperatingSystem.IsLinux() ? 11 : 35;

    [LibraryImport(Libc, EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPairRaw(int domain, int type, int protocol, int* fds);

    [LibraryImport(Libc, EntryPoint = "pipe", SetLastError = true)]
    private static partial int PipeRaw(int* fds);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    /// <summary>Apple arm64 passes variadic arguments (fcntl's third) on the stack: fill x2–x7 so it lands there.</summary>
    private static readonly bool VariadicOnStack = OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    public static int Fcntl(int fd, int command, int argument) => VariadicOnStack
        ? FcntlStackArgument(fd, command, 0, 0, 0, 0, 0, 0, argument)
        : FcntlRegisterArgument(fd, command, argument);

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlRegisterArgument(int fd, int command, int argument);

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlStackArgument(int fd, int command, nint x2, nint x3, nint x4, nint x5, nint x6, nint x7, nint argument);

    [LibraryImport(Libc, EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);

    public static (int A, int B) SocketPair()
    {
        var fds = stackalloc int[2];
        Check(SocketPairRaw(AF_UNIX, SOCK_STREAM, 0, fds), "socketpair");
        Prepare(fds[0]);
        Prepare(fds[1]);
        return (fds[0], fds[1]);
    }

    public static (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        Check(PipeRaw(fds), "pipe");
        Prepare(fds[0]);
        Prepare(fds[1]);
        return (fds[0], fds[1]);
    }

    public static void Prepare(int fd)
    {
        Check(Fcntl(fd, F_SETFD, FD_CLOEXEC), "fcntl(F_SETFD)");
        Check(Fcntl(fd, F_SETFL, Fcntl(fd, F_GETFL, 0) | O_NONBLOCK), "fcntl(F_SETFL)");
    }

    /// <summary>Writes <paramref name="count"/> bytes; returns how many the kernel took.</summary>
    public static int WriteBytes(int fd, int count)
    {
        var buffer = stackalloc byte[Math.Min(count, 65536)];
        var total = 0;
        while (total < count)
        {
            var n = Write(fd, buffer, (nuint)Math.Min(count - total, 65536));
            if (n <= 0)
            {
                break;
            }

            total += (int)n;
        }

        return total;
    }

    /// <summary>Reads until the descriptor would block or reaches end of stream; returns the bytes read.</summary>
    public static int ReadAll(int fd)
    {
        var buffer = stackalloc byte[65536];
        var total = 0;
        while (true)
        {
            var n = Read(fd, buffer, 65536);
            if (n <= 0)
            {
                return total;
            }

            total += (int)n;
        }
    }

    /// <summary>Fills a socket's send buffer until the kernel refuses more.</summary>
    public static int FillUntilFull(int fd)
    {
        var buffer = stackalloc byte[65536];
        var total = 0;
        while (true)
        {
            var n = Write(fd, buffer, 65536);
            if (n <= 0)
            {
                return total;
            }

            total += (int)n;
        }
    }

    public static bool IsOpen(int fd) => Fcntl(fd, F_GETFD, 0) != -1;

    public static bool IsCloseOnExec(int fd) => (Fcntl(fd, F_GETFD, 0) & FD_CLOEXEC) != 0;

    private static void Check(int result, string call)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
