using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// A connection an <see cref="EventLoopListener"/> accepted: its <see cref="System.Net.Sockets.Socket"/>,
/// and the <see cref="AsyncFd"/> registered for reading and writing on the <see cref="Loop"/> it was
/// assigned to. Whoever holds it disposes it, which closes the connection.
/// </summary>
public sealed class AcceptedConnection : IDisposable, IAsyncDisposable
{
    private int _disposed;

    private readonly SafeSocketHandle _handle;
    private Socket? _socket;

    internal AcceptedConnection(SafeSocketHandle handle, AsyncFd fd)
    {
        _handle = handle;
        Fd = fd;
    }

    /// <summary>
    /// The connected socket (non-blocking, close-on-exec), for its options and addresses. Made on first
    /// use: a <see cref="System.Net.Sockets.Socket"/> asks the kernel about its descriptor when it is
    /// built, a cost a connection that only reads and writes through <see cref="Fd"/> does not pay.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    public Socket Socket
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (Volatile.Read(ref _socket) is { } socket)
            {
                return socket;
            }

            var made = new Socket(_handle);
            return Interlocked.CompareExchange(ref _socket, made, null) ?? made; // a loser's Socket shares the handle; the handle closes once
        }
    }

    /// <summary>The socket registered on <see cref="Loop"/> for <see cref="Interest.Readable"/> and <see cref="Interest.Writable"/>: read and write it here.</summary>
    public AsyncFd Fd { get; }

    /// <summary>The loop of the group that serves this connection.</summary>
    public EventLoop Loop => Fd.Loop;

    /// <summary>The peer's address (a TCP address and port, or the peer's Unix socket path, often unnamed).</summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    public EndPoint? RemoteEndPoint => Socket.RemoteEndPoint;

    /// <summary>Deregisters and closes the connection; pending awaits on <see cref="Fd"/> fail with <see cref="ObjectDisposedException"/>. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Fd.Dispose(); // the AsyncFd owns the handle: deregisters, fails pending awaits, then closes it
        Volatile.Read(ref _socket)?.Dispose();
    }

    /// <summary>As <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
