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

    internal AcceptedConnection(Socket socket, AsyncFd fd)
    {
        Socket = socket;
        Fd = fd;
    }

    /// <summary>The connected socket (non-blocking, close-on-exec), for its options and addresses.</summary>
    public Socket Socket { get; }

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

        Fd.Dispose(); // the AsyncFd owns the socket: deregisters, fails pending awaits, then closes it
    }

    /// <summary>As <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
