using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// A connection an <see cref="EventLoopListener"/> accepted: the <see cref="AsyncFd"/> registered for
/// reading and writing on the <see cref="Loop"/> it was assigned to, its addresses, and a
/// <see cref="System.Net.Sockets.Socket"/> view of it. Whoever holds it disposes it, which closes the
/// connection (gracefully: the peer reads the end of the stream after what was sent).
/// </summary>
public sealed class AcceptedConnection : IDisposable, IAsyncDisposable
{
    private readonly FileDescriptorHandle _owner;
    private readonly EndPoint _listening;
    private Socket? _socket;
    private EndPoint? _local;
    private EndPoint? _remote;
    private int _disposed;

    /// <param name="owner">The descriptor's owner, which <paramref name="fd"/> disposes.</param>
    /// <param name="fd">The descriptor registered on its loop.</param>
    /// <param name="listening">The listener's bound address: the type of the addresses, and this end's own when it names one host.</param>
    /// <param name="remote">The peer's address as accept returned it, or null to ask getpeername when it is wanted.</param>
    internal AcceptedConnection(FileDescriptorHandle owner, AsyncFd fd, EndPoint listening, EndPoint? remote)
    {
        _owner = owner;
        _listening = listening;
        _remote = remote;
        Fd = fd;
    }

    /// <summary>
    /// The connected socket (non-blocking, close-on-exec), for its options. Built on first use, around the
    /// descriptor <see cref="Fd"/> owns: a <see cref="System.Net.Sockets.Socket"/> costs six system calls to
    /// build, which a connection that never asks need not pay. Valid while the connection is; disposing it
    /// does not close the connection.
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

            var built = new Socket(new SafeSocketHandle(_owner.DangerousGetHandle(), ownsHandle: false));
            if (Interlocked.CompareExchange(ref _socket, built, null) is { } first)
            {
                built.Dispose(); // another thread built it first (a view: nothing is closed)
                return first;
            }

            return built;
        }
    }

    /// <summary>The socket registered on <see cref="Loop"/> for <see cref="Interest.Readable"/> and <see cref="Interest.Writable"/>: read and write it here.</summary>
    public AsyncFd Fd { get; }

    /// <summary>The loop of the group that serves this connection.</summary>
    public EventLoop Loop => Fd.Loop;

    /// <summary>The peer's address (a TCP address and port, or the peer's Unix socket path, often unnamed), as accept reported it.</summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    public EndPoint? RemoteEndPoint => Name(ref _remote, peer: true);

    /// <summary>The connection's own address: the listener's when it is bound to one address; on a listener bound to any address, the one the peer reached (getsockname, on first use; null if the kernel refuses it).</summary>
    /// <exception cref="ObjectDisposedException">The connection is disposed.</exception>
    public EndPoint? LocalEndPoint => Name(ref _local, peer: false);

    /// <summary>Deregisters and closes the connection; pending awaits on <see cref="Fd"/> fail with <see cref="ObjectDisposedException"/>. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Volatile.Read(ref _socket)?.Dispose(); // the view first: it closes nothing, and is never used after the number is
        Fd.Dispose(); // the AsyncFd owns the descriptor: deregisters, fails pending awaits, then closes it
    }

    /// <summary>As <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private EndPoint? Name(ref EndPoint? known, bool peer)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (known is not null)
        {
            return known;
        }

        // A listener bound to one address (not a wildcard) accepts only on it: that is this end's address,
        // known without getsockname.
        if (!peer && _listening is IPEndPoint { Address: var bound } ip && !bound.Equals(IPAddress.Any) && !bound.Equals(IPAddress.IPv6Any))
        {
            return known = new IPEndPoint(bound, ip.Port);
        }

        var added = false;
        try
        {
            _owner.DangerousAddRef(ref added); // the number stays this connection's for the call
            return known = Libc.SocketName(_owner.Fd, peer, _listening);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(AcceptedConnection));
        }
        finally
        {
            if (added)
            {
                _owner.DangerousRelease();
            }
        }
    }
}
