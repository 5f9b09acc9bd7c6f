using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Net;

/// <summary>
/// Send and receive for event loops: never blocks, never throws for a network condition, never allocates.
/// Each call is one <c>recv</c>/<c>send</c> with <c>MSG_DONTWAIT</c> (and <c>MSG_NOSIGNAL</c> where the
/// system has it), so a socket's blocking mode does not matter and a peer that is gone is an error code,
/// not a signal.
/// </summary>
/// <remarks>
/// <para>Every method returns the number of bytes moved (0 from a receive into a non-empty buffer: the
/// peer shut down its side), or -1 with <c>error</c> saying why: <see cref="SocketError.WouldBlock"/>
/// when nothing can be moved now (wait for the next readiness event), anything else when the
/// connection has failed. A signal that interrupts the call is retried, so
/// <see cref="SocketError.Interrupted"/> is never returned.</para>
/// <para>Compared with <see cref="Socket.Receive(Span{byte}, SocketFlags, out SocketError)"/>: the same
/// error codes, without the socket's bookkeeping around the call. The <see cref="Socket"/> and
/// <see cref="SafeHandle"/> overloads hold a reference on the handle for the length of the call, so a
/// concurrent <see cref="Socket.Dispose()"/> can never make the call touch a reused descriptor number;
/// the <see cref="int"/> overloads are for a loop that owns the descriptor and closes it itself.</para>
/// </remarks>
public static class SocketIO
{
    /// <summary>Receives what the socket holds, up to <c>buffer.Length</c> bytes, without waiting.</summary>
    /// <param name="socket">A connected stream or datagram socket.</param>
    /// <param name="buffer">Where to put the bytes.</param>
    /// <param name="error"><see cref="SocketError.Success"/>, or why the call returned -1.</param>
    /// <returns>The bytes received, 0 at the end of the stream, or -1 on error.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public static int Receive(Socket socket, Span<byte> buffer, out SocketError error)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return Receive(socket.SafeHandle, buffer, out error);
    }

    /// <summary>Receives through a handle object (a <see cref="SafeSocketHandle"/>, say). See <see cref="Receive(Socket, Span{byte}, out SocketError)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    /// <exception cref="ArgumentException">The handle is invalid (it holds no descriptor).</exception>
    public static int Receive(SafeHandle handle, Span<byte> buffer, out SocketError error)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reference = new HandleReference(handle);
        return Receive(Descriptors.FromHandle(handle), buffer, out error);
    }

    /// <summary>Receives from a raw descriptor the caller keeps open for the length of the call. See <see cref="Receive(Socket, Span{byte}, out SocketError)"/>.</summary>
    /// <remarks>A closed or non-socket descriptor is an error code (<see cref="SocketError.OperationAborted"/>, <see cref="SocketError.NotSocket"/>), not an exception.</remarks>
    public static unsafe int Receive(int fd, Span<byte> buffer, out SocketError error)
    {
        fixed (byte* p = buffer)
        {
            return Result(Libc.RecvUninterrupted(fd, p, (nuint)buffer.Length, Libc.MSG_DONTWAIT), out error);
        }
    }

    /// <summary>Sends as much of <paramref name="buffer"/> as the socket takes now, without waiting.</summary>
    /// <param name="socket">A connected socket.</param>
    /// <param name="buffer">The bytes to send; a short count means the rest did not fit (send it on the next Writable event).</param>
    /// <param name="error"><see cref="SocketError.Success"/>, or why the call returned -1.</param>
    /// <returns>The bytes sent, or -1 on error.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public static int Send(Socket socket, ReadOnlySpan<byte> buffer, out SocketError error)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return Send(socket.SafeHandle, buffer, out error);
    }

    /// <summary>Sends through a handle object. See <see cref="Send(Socket, ReadOnlySpan{byte}, out SocketError)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    /// <exception cref="ArgumentException">The handle is invalid (it holds no descriptor).</exception>
    public static int Send(SafeHandle handle, ReadOnlySpan<byte> buffer, out SocketError error)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reference = new HandleReference(handle);
        return Send(Descriptors.FromHandle(handle), buffer, out error);
    }

    /// <summary>Sends on a raw descriptor the caller keeps open for the length of the call. See <see cref="Send(Socket, ReadOnlySpan{byte}, out SocketError)"/>.</summary>
    public static unsafe int Send(int fd, ReadOnlySpan<byte> buffer, out SocketError error)
    {
        fixed (byte* p = buffer)
        {
            return Result(Libc.SendUninterrupted(fd, p, (nuint)buffer.Length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL), out error);
        }
    }

    /// <summary>A recv/send result (EINTR already resumed) as a count, or -1 with the SocketError of its errno.</summary>
    private static int Result(nint n, out SocketError error)
    {
        error = n >= 0 ? SocketError.Success : SocketErrors.FromErrno(Errno.Last);
        return n >= 0 ? (int)n : -1;
    }
}
