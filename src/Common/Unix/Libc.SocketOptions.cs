using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    /// <summary>SOL_SOCKET: 1 on Linux, 0xffff on macOS and the BSDs.</summary>
    internal static readonly int SOL_SOCKET = UnixFamily.IsLinux ? 1 : 0xffff;

    /// <summary>
    /// SO_REUSEADDR: 2 on Linux, 4 on macOS and the BSDs. Set raw, not through .NET's ReuseAddress, which
    /// on Unix sets SO_REUSEPORT as well and would let another socket share (and steal from) the port.
    /// </summary>
    internal static readonly int SO_REUSEADDR = UnixFamily.IsLinux ? 2 : 4;

    /// <summary>
    /// The socket option that lets several sockets bind one port AND has the kernel spread incoming
    /// connections over them: Linux's SO_REUSEPORT (15, since 3.9), FreeBSD's SO_REUSEPORT_LB (0x10000,
    /// since 12). Null elsewhere: macOS's and the other BSDs' SO_REUSEPORT lets sockets share a port but
    /// hands every connection to one of them, which spreads nothing.
    /// </summary>
    internal static readonly (int Level, int Name, string Label)? BalancingReusePort =
        UnixFamily.IsLinux ? (1, 15, "SO_REUSEPORT")
        : UnixFamily.IsFreeBSD ? (0xffff, 0x10000, "SO_REUSEPORT_LB")
        : null;

    /// <summary>SO_TYPE: 3 on Linux, 0x1008 on macOS and the BSDs.</summary>
    private static readonly int SO_TYPE = UnixFamily.IsLinux ? 3 : 0x1008;

    /// <summary>SO_LINGER: 13 on Linux, 0x80 on macOS and the BSDs.</summary>
    private static readonly int SO_LINGER = UnixFamily.IsLinux ? 13 : 0x80;

    /// <summary>SOCK_STREAM: 1 on Linux, macOS and the BSDs.</summary>
    private const int SOCK_STREAM = 1;

    /// <summary>IPPROTO_TCP (6) and TCP_NODELAY (1): the same on Linux, macOS and the BSDs.</summary>
    private const int IPPROTO_TCP = 6;
    private const int TCP_NODELAY = 1;

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    /// <summary>True when <paramref name="fd"/> is a SOCK_STREAM socket; false for another socket type, or when it is no socket at all (ENOTSOCK).</summary>
    internal static unsafe bool IsStreamSocket(int fd)
    {
        var type = 0;
        var length = (uint)sizeof(int);
        return GetSockOpt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == SOCK_STREAM;
    }

    /// <summary>
    /// Makes the socket's close reset the connection (SO_LINGER on, 0 s: an RST, and what the kernel has not
    /// sent yet is dropped), so that the peer learns the stream was cut rather than ended. False (errno set)
    /// when refused, as for what is no socket.
    /// </summary>
    internal static unsafe bool SetResetOnClose(int fd)
    {
        var linger = stackalloc int[2] { 1, 0 }; // struct linger { int l_onoff; int l_linger; } everywhere
        return SetSockOpt(fd, SOL_SOCKET, SO_LINGER, linger, 2 * sizeof(int)) == 0;
    }

    /// <summary>Turns Nagle's algorithm off on a TCP socket; false (errno set) when refused.</summary>
    internal static unsafe bool SetNoDelay(int fd)
    {
        var on = 1;
        return SetSockOpt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(int)) == 0;
    }
}
