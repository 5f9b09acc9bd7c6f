using System.Net.Sockets;

namespace EporeX.Unix;

/// <summary>The errno values of recv and send, as the <see cref="SocketError"/> that .NET's own sockets report for them.</summary>
internal static class SocketErrors
{
    public static SocketError FromErrno(int errno) => errno switch
    {
        Errno.EINTR => SocketError.Interrupted,
        Errno.EBADF => SocketError.OperationAborted,
        Errno.ENOMEM => SocketError.NoBufferSpaceAvailable,
        Errno.EINVAL => SocketError.InvalidArgument,
        Errno.EFAULT => SocketError.Fault,
        Errno.EPIPE => SocketError.Shutdown,
        _ when errno == Errno.EAGAIN => SocketError.WouldBlock,
        _ when errno == Errno.ENOTSOCK => SocketError.NotSocket,
        _ when errno == Errno.EMSGSIZE => SocketError.MessageSize,
        _ when errno == Errno.ENETDOWN => SocketError.NetworkDown,
        _ when errno == Errno.ENETUNREACH => SocketError.NetworkUnreachable,
        _ when errno == Errno.ECONNABORTED => SocketError.ConnectionAborted,
        _ when errno == Errno.ECONNRESET => SocketError.ConnectionReset,
        _ when errno == Errno.ENOBUFS => SocketError.NoBufferSpaceAvailable,
        _ when errno == Errno.ENOTCONN => SocketError.NotConnected,
        _ when errno == Errno.ESHUTDOWN => SocketError.Shutdown,
        _ when errno == Errno.ETIMEDOUT => SocketError.TimedOut,
        _ when errno == Errno.ECONNREFUSED => SocketError.ConnectionRefused,
        _ when errno == Errno.EHOSTUNREACH => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };
}
