using System;
using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Tests.Support;

/// <summary>The libc calls the tests make to build descriptors of every kind, portable across Linux, macOS and the BSDs.</summary>
internal static unsafe partial class Native
{
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_DGRAM = 2;
    public const int SHUT_WR = 1;
    public static readonly int O_NONBLOCK = Libc.O_NONBLOCK;
    public static readonly int EAGAIN = Errno.EAGAIN;

    // Only what the library itself never calls; the rest is the library's own interop (src/Common/Unix),
    // which the tests compile too, so that they exercise the very declarations the library ships.
    [LibraryImport(Libc.Library, EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPairRaw(int domain, int type, int protocol, int* fds);

    [LibraryImport(Libc.Library, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Libc.Library, EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);

    public static nint Read(int fd, byte* buffer, nuint count) => Libc.Read(fd, buffer, count);

    public static nint Write(int fd, byte* buffer, nuint count) => Libc.Write(fd, buffer, count);

    public static int Close(int fd) => Libc.Close(fd);

    public static int Fcntl(int fd, int command, int argument) => Libc.Fcntl(fd, command, argument);

    /// <summary>
    /// A non-blocking, close-on-exec AF_UNIX stream pair. The flags go in socketpair's type where the OS
    /// takes them (all but macOS): set afterwards, a process that another test forks in between inherits
    /// the ends for its whole life, and a closed end then never hangs up its peer.
    /// </summary>
    public static (int A, int B) SocketPair() => Pair(SOCK_STREAM);

    private static (int A, int B) Pair(int type)
    {
        var fds = stackalloc int[2];
        var flags = Libc.HasAccept4 ? Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC : 0;
        Check(SocketPairRaw(AF_UNIX, type | flags, 0, fds), "socketpair");
        if (flags == 0)
        {
            Prepare(fds[0]);
            Prepare(fds[1]);
        }

        return (fds[0], fds[1]);
    }

    /// <summary>A non-blocking, close-on-exec AF_UNIX datagram pair: every read returns one message.</summary>
    public static (int A, int B) DatagramPair() => Pair(SOCK_DGRAM);

    /// <summary>Writes one byte; returns what write(2) returned.</summary>
    public static int WriteByte(int fd, byte value) => (int)Write(fd, &value, 1);

    public static (int Read, int Write) Pipe()
    {
        var error = Libc.OpenPipe(out var readEnd, out var writeEnd, nonBlocking: true);
        Check(error == 0 ? 0 : -1, $"pipe (errno {error})");
        return (readEnd, writeEnd);
    }

    public static void Prepare(int fd)
    {
        Check(Libc.SetCloseOnExec(fd) == 0 ? 0 : -1, "fcntl(F_SETFD)");
        Check(Libc.SetNonBlocking(fd) == 0 ? 0 : -1, "fcntl(F_SETFL)");
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

    public static bool IsOpen(int fd) => Libc.IsOpen(fd);

    public static bool IsCloseOnExec(int fd) => (Libc.Fcntl(fd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC) != 0;

    private static void Check(int result, string call)
    {
        if (result < 0)
        {
            throw new InvalidOperationException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
