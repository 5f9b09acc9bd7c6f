using System;
using System.Net.Sockets;
using EporeX.Unix;

namespace EporeX.Net;

/// <summary>The errno values of recv and send, as the <see cref="SocketError"/> that .NET's own sockets report for them.</summary>
internal static class SocketErrors
{
    private static readonly bool Linux = OperatingSystem.IsLinux();

    public static SocketError FromErrno(int errno)
    {
        if (errno == Errno.EAGAIN)
        {
            return SocketError.WouldBlock;
        }

        return errno switch
        {
            Errno.EINTR => SocketError.Interrupted,
            Errno.EBADF => SocketError.OperationAborted,
            Errno.ENOMEM => SocketError.NoBufferSpaceAvailable,
            Errno.EINVAL => SocketError.InvalidArgument,
            14 => SocketError.Fault, // EFAULT
            32 => SocketError.Shutdown, // EPIPE
            _ => Linux ? FromLinux(errno) : FromBsd(errno),
        };
    }

    private static SocketError FromLinux(int errno) => errno switch
    {
        88 => SocketError.NotSocket,
        90 => SocketError.MessageSize,
        100 => SocketError.NetworkDown,
        101 => SocketError.NetworkUnreachable,
        103 => SocketError.ConnectionAborted,
        104 => SocketError.ConnectionReset,
        105 => SocketError.NoBufferSpaceAvailable,
        107 => SocketError.NotConnected,
        108 => SocketError.Shutdown,
        110 => SocketError.TimedOut,
        111 => SocketError.ConnectionRefused,
        113 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };

    // macOS, FreeBSD, OpenBSD, NetBSD and DragonFly share these numbers.
    private static SocketError FromBsd(int errno) => errno switch
    {
        38 => SocketError.NotSocket,
        40 => SocketError.MessageSize,
        50 => SocketError.NetworkDown,
        51 => SocketError.NetworkUnreachable,
        53 => SocketError.ConnectionAborted,
        54 => SocketError.ConnectionReset,
        55 => SocketError.NoBufferSpaceAvailable,
        57 => SocketError.NotConnected,
        58 => SocketError.Shutdown,
        60 => SocketError.TimedOut,
        61 => SocketError.ConnectionRefused,
        65 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };
}
