using System;
using System.Buffers;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EporeX.Net;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// The system calls on one descriptor: recv/send on a socket, read/write on anything else (a pipe, a tty,
/// an eventfd…), each resumed after EINTR, EAGAIN reported as -1 and any other errno thrown as the
/// documented exception; and the registry calls, through the handle when there is one. It holds a
/// reference on the handle only across each call, so disposing the handle never blocks and a closed number
/// reused by someone else is never touched.
/// </summary>
internal sealed class DescriptorIo
{
    private readonly SafeHandle? _handle;
    private readonly IDisposable? _owned;
    private IoKind _kind;
    private bool? _streamSocket;

    /// <param name="handle">The handle, or null for a raw descriptor the caller keeps.</param>
    /// <param name="fd">The descriptor's number.</param>
    /// <param name="kind">What it is known to be.</param>
    /// <param name="owned">What <see cref="Close"/> disposes (the handle, the Socket, the wrapper of a raw descriptor), or null.</param>
    /// <param name="streamSocket">Whether it is a SOCK_STREAM socket, when the caller knows; else <see cref="IsStreamSocket"/> asks the kernel once.</param>
    public DescriptorIo(SafeHandle? handle, int fd, IoKind kind, IDisposable? owned, bool? streamSocket = null)
    {
        _handle = handle;
        Descriptor = fd;
        _kind = kind;
        _owned = owned;
        _streamSocket = kind == IoKind.File ? false : streamSocket;
    }

    public int Descriptor { get; }

    /// <summary>True when the library closes the descriptor (<see cref="Close"/>); false for <c>leaveOpen</c>.</summary>
    public bool IsOwned => _owned is not null;

    /// <summary>
    /// True for a SOCK_STREAM socket: the one kind where a read shorter than its buffer proves the receive
    /// queue empty (<see cref="EventQueueCapabilities.ShortReadDrains"/>). A datagram or seqpacket socket
    /// returns one message per read and a tty in canonical mode one line, with more possibly queued behind.
    /// Asked of the kernel (getsockopt SO_TYPE) once, unless known at registration.
    /// </summary>
    public bool IsStreamSocket
    {
        get
        {
            if (_streamSocket is { } known)
            {
                return known;
            }

            bool answer;
            if (_handle is null)
            {
                answer = Libc.IsStreamSocket(Descriptor);
            }
            else
            {
                using var reference = new HandleReference(_handle);
                answer = Libc.IsStreamSocket((int)reference.Value);
            }

            _streamSocket = answer;
            return answer;
        }
    }

    /// <summary>True when the descriptor was closed behind the library (its handle disposed, or the number no longer open).</summary>
    public bool IsClosedBehind => _handle is not null ? _handle.IsClosed : !Libc.IsOpen(Descriptor);

    public void Register(Registry registry, Token token, Interest interest, PollMode mode)
    {
        if (_handle is not null)
        {
            registry.Register(_handle, token, interest, mode);
        }
        else
        {
            registry.Register(Descriptor, token, interest, mode);
        }
    }

    /// <summary>Reregisters; false when the kernel or the registry no longer has the descriptor (closed behind the library, or the loop is gone).</summary>
    public bool TryReregister(Registry registry, Token token, Interest interest, PollMode mode)
    {
        try
        {
            if (_handle is not null)
            {
                registry.Reregister(_handle, token, interest, mode);
            }
            else
            {
                registry.Reregister(Descriptor, token, interest, mode);
            }

            return true;
        }
        catch (Exception e) when (e is EventQueueException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Deregisters; a descriptor the kernel or registry has already forgotten (closed behind, loop gone) is no error here.</summary>
    /// <param name="registry">Where it is registered.</param>
    /// <param name="closing">The library closes it next (<see cref="Close"/>): where closing deregisters, the kernel is not asked.</param>
    public void Deregister(Registry registry, bool closing)
    {
        try
        {
            if (_handle is not null && closing && IsOwned)
            {
                registry.DeregisterBeforeClose(_handle);
            }
            else if (_handle is not null)
            {
                registry.Deregister(_handle);
            }
            else
            {
                registry.Deregister(Descriptor);
            }
        }
        catch (Exception e) when (e is EventQueueException or ObjectDisposedException)
        {
            // closing deregistered it, or the loop is gone with its kernel queue
        }
    }

    /// <summary>Switches the descriptor to O_NONBLOCK (a socket needs no switch: its calls pass MSG_DONTWAIT).</summary>
    /// <exception cref="EventQueueException">fcntl refused.</exception>
    public void MakeNonBlocking()
    {
        if (_kind == IoKind.Socket)
        {
            return;
        }

        int error;
        if (_handle is null)
        {
            error = Libc.SetNonBlocking(Descriptor);
        }
        else
        {
            using var reference = new HandleReference(_handle);
            error = Libc.SetNonBlocking((int)reference.Value);
        }

        if (error != 0)
        {
            throw new EventQueueException($"Descriptor {Descriptor} could not be made non-blocking: fcntl failed with {Errno.Name(error)}.", error, Descriptor);
        }
    }

    /// <summary>Disposes what the library owns (closing the descriptor); nothing for <c>leaveOpen</c>.</summary>
    public void Close() => _owned?.Dispose();

    /// <summary>One non-blocking read: the bytes read (0 at the end), or -1 when it would block.</summary>
    /// <exception cref="SocketException">recv failed.</exception>
    /// <exception cref="IOException">read failed; <see cref="Exception.HResult"/> is the errno.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public int TryRead(Span<byte> buffer)
    {
        if (_handle is null)
        {
            return TryRead(Descriptor, buffer);
        }

        using var reference = new HandleReference(_handle);
        return TryRead((int)reference.Value, buffer);
    }

    /// <summary>One non-blocking write: the bytes written, or -1 when it would block.</summary>
    /// <exception cref="SocketException">send failed.</exception>
    /// <exception cref="IOException">write failed; <see cref="Exception.HResult"/> is the errno.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public int TryWrite(ReadOnlySpan<byte> buffer)
    {
        if (_handle is null)
        {
            return TryWrite(Descriptor, buffer);
        }

        using var reference = new HandleReference(_handle);
        return TryWrite((int)reference.Value, buffer);
    }

    /// <summary>
    /// One non-blocking vectored write of up to <see cref="Libc.MaxIovecs"/> segments of
    /// <paramref name="data"/> (sendmsg on a socket, writev on anything else; one segment is a
    /// <see cref="TryWrite(ReadOnlySpan{byte})"/>): the bytes written, or -1 when it would block.
    /// <paramref name="pins"/> holds the segments' pins across the call.
    /// </summary>
    /// <exception cref="SocketException">sendmsg (or send) failed.</exception>
    /// <exception cref="IOException">writev (or write) failed; <see cref="Exception.HResult"/> is the errno.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public unsafe int TryWriteVectored(in ReadOnlySequence<byte> data, MemoryHandle[] pins)
    {
        if (data.IsSingleSegment)
        {
            // One block (an echo, a small response): send(2) takes it without a message header or an iovec
            // for the kernel to copy in, and the span needs no pin beyond the call.
            return data.IsEmpty ? 0 : TryWrite(data.FirstSpan);
        }

        var iov = stackalloc Libc.Iovec[Libc.MaxIovecs];
        var count = 0;
        try
        {
            foreach (var segment in data)
            {
                if (segment.IsEmpty)
                {
                    continue;
                }

                pins[count] = segment.Pin();
                iov[count].Base = pins[count].Pointer;
                iov[count].Length = (nuint)segment.Length;
                if (++count == Libc.MaxIovecs)
                {
                    break;
                }
            }

            if (count == 0)
            {
                return 0;
            }

            if (_handle is null)
            {
                return TryWriteVectored(Descriptor, iov, count);
            }

            using var reference = new HandleReference(_handle);
            return TryWriteVectored((int)reference.Value, iov, count);
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                pins[i].Dispose();
            }
        }
    }

    /// <summary>Makes the close of a socket reset the connection (<see cref="Libc.SetResetOnClose"/>); nothing for what is no socket or is closed already.</summary>
    public void TryResetOnClose()
    {
        if (_handle is null)
        {
            Libc.SetResetOnClose(Descriptor);
            return;
        }

        try
        {
            using var reference = new HandleReference(_handle);
            Libc.SetResetOnClose((int)reference.Value);
        }
        catch (ObjectDisposedException)
        {
            // Closed already: there is nothing left to reset.
        }
    }

    /// <summary>Shuts the write half of a socket (the peer reads the end of the stream); false when it is no socket.</summary>
    /// <exception cref="SocketException">shutdown failed for another reason than ENOTSOCK or ENOTCONN.</exception>
    public bool TryShutdownWrite()
    {
        int result;
        if (_handle is null)
        {
            result = Libc.Shutdown(Descriptor, Libc.SHUT_WR);
        }
        else
        {
            using var reference = new HandleReference(_handle);
            result = Libc.Shutdown((int)reference.Value, Libc.SHUT_WR);
        }

        if (result == 0)
        {
            return true;
        }

        var error = SocketErrors.FromErrno(Errno.Last);
        return error is SocketError.NotSocket or SocketError.NotConnected ? false : throw new SocketException((int)error);
    }

    private unsafe int TryWriteVectored(int fd, Libc.Iovec* iov, int count)
    {
        if (_kind != IoKind.File)
        {
            var n = Libc.SendVectoredUninterrupted(fd, iov, count);
            var error = n >= 0 ? SocketError.Success : SocketErrors.FromErrno(Errno.Last);
            if (SettledBySocket((int)n, error, out var sent))
            {
                return sent;
            }
        }

        return FileResult(Libc.WritevUninterrupted(fd, iov, count), "writev");
    }

    private unsafe int TryRead(int fd, Span<byte> buffer)
    {
        if (_kind != IoKind.File && SettledBySocket(SocketIO.Receive(fd, buffer, out var error), error, out var received))
        {
            return received;
        }

        fixed (byte* p = buffer)
        {
            return FileResult(Libc.ReadUninterrupted(fd, p, (nuint)buffer.Length), "read");
        }
    }

    private unsafe int TryWrite(int fd, ReadOnlySpan<byte> buffer)
    {
        if (_kind != IoKind.File && SettledBySocket(SocketIO.Send(fd, buffer, out var error), error, out var sent))
        {
            return sent;
        }

        fixed (byte* p = buffer)
        {
            return FileResult(Libc.WriteUninterrupted(fd, p, (nuint)buffer.Length), "write");
        }
    }

    /// <summary>
    /// The outcome of a recv/send: true with the byte count, or -1 for would-block; false when the
    /// descriptor turned out not to be a socket (a pipe, tty, eventfd…), which read/write serve from now on.
    /// </summary>
    private bool SettledBySocket(int n, SocketError error, out int result)
    {
        result = n >= 0 ? n : -1;
        if (n >= 0 || error == SocketError.WouldBlock)
        {
            return true;
        }

        if (error != SocketError.NotSocket || _kind == IoKind.Socket)
        {
            throw new SocketException((int)error);
        }

        _kind = IoKind.File;
        return false;
    }

    /// <summary>The outcome of a read/write that EINTR no longer interrupts: the byte count, -1 for EAGAIN, else an error.</summary>
    private int FileResult(nint n, string call)
    {
        if (n >= 0)
        {
            return (int)n;
        }

        var errno = Errno.Last;
        return errno == Errno.EAGAIN ? -1 : throw new IOException($"{call} on descriptor {Descriptor} failed: {Errno.Name(errno)} (errno {errno}).", errno);
    }
}

/// <summary>How reads and writes reach a descriptor.</summary>
internal enum IoKind
{
    /// <summary>Not known yet: try recv/send, and fall back to read/write for good on ENOTSOCK.</summary>
    Unknown,

    /// <summary>A socket: recv/send with MSG_DONTWAIT and MSG_NOSIGNAL.</summary>
    Socket,

    /// <summary>Anything else (pipe, tty, eventfd…): read/write on a non-blocking descriptor.</summary>
    File,
}
