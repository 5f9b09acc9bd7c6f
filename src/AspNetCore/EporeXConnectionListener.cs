using System;
using System.Buffers;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace EporeX.AspNetCore;

/// <summary>
/// One endpoint Kestrel listens on: an <see cref="EventLoopListener"/> over the factory's shared loops,
/// each accepted connection wrapped as an <see cref="EporeXConnection"/>.
/// </summary>
internal sealed class EporeXConnectionListener : IConnectionListener
{
    private readonly EventLoopListener _listener;
    private readonly SharedLoopGroup _loops;
    private readonly EventLoopGroup _group;
    private readonly DescriptorPipeOptions _pipeOptions;
    private readonly MemoryPool<byte> _pool;
    private readonly ILogger _logger;
    private int _unbound;
    private int _disposed;
    private int _poolUsers = 1; // the listener and each connection it made: the last one to go disposes the pool

    public EporeXConnectionListener(EventLoopListener listener, SharedLoopGroup loops, EventLoopGroup group, DescriptorPipeOptions pipeOptions, MemoryPool<byte> pool, ILogger logger)
    {
        _listener = listener;
        _loops = loops;
        _group = group;
        _pipeOptions = pipeOptions;
        _pool = pool;
        _logger = logger;
    }

    public EndPoint EndPoint => _listener.LocalEndPoint;

    internal EventLoopListener Listener => _listener;

    /// <summary>The next connection; null once unbound or disposed (how Kestrel's accept loop learns to stop).</summary>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            AcceptedConnection accepted;
            try
            {
                accepted = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException && Ended)
            {
                return null;
            }

            Interlocked.Increment(ref _poolUsers);
            try
            {
                return new EporeXConnection(accepted, _pipeOptions, _pool, _logger, this);
            }
            catch (Exception e)
            {
                // The peer reset before its addresses could be read, or the loop went away: that
                // connection only. The listener goes on.
                ConnectionLog.SetupFailed(_logger, e, EndPoint.ToString() ?? "?");
                accepted.Dispose();
                ReleasePool();
            }
        }
    }

    /// <summary>Stops accepting (the listening sockets close); connections already accepted go on.</summary>
    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        Volatile.Write(ref _unbound, 1);
        await _listener.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops accepting and gives the loops back: the last listener of the server stops them and waits for their threads.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Volatile.Write(ref _unbound, 1);
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _loops.ReturnAsync(_group).ConfigureAwait(false);
        ReleasePool(); // each listener has its pool, as Kestrel's Sockets transport; disposed once its connections are gone too
    }

    /// <summary>A connection this listener made is disposed: it no longer uses the pool.</summary>
    internal void ReleasePool()
    {
        if (Interlocked.Decrement(ref _poolUsers) == 0)
        {
            _pool.Dispose();
        }
    }

    private bool Ended => Volatile.Read(ref _unbound) != 0;
}
