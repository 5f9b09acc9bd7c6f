using System;
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EporeX.AspNetCore;

/// <summary>
/// Kestrel's transport over EporeX: binds TCP (IPv4, IPv6) and Unix domain endpoints with an
/// <see cref="EventLoopListener"/> and serves every connection as a <see cref="DescriptorPipe"/> on a loop of
/// one <see cref="EventLoopGroup"/> that all the server's listeners share. Registered by
/// <c>UseEporeX()</c>; any other endpoint (a file handle, a named pipe) falls through to the next
/// transport (Kestrel's Sockets), and so does everything on Windows.
/// </summary>
public sealed class EporeXTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly EporeXTransportOptions _options;
    private readonly Func<MemoryPool<byte>> _createPool;
    private readonly ILogger _logger;
    private readonly SharedLoopGroup _loops;

    /// <summary>A factory with these options; Kestrel's memory pool factory when given (dependency injection gives it).</summary>
    /// <param name="options">The transport's options.</param>
    /// <param name="loggerFactory">Where the transport and its listeners log.</param>
    /// <param name="memoryPoolFactory">Kestrel's pool factory; used unless <see cref="EporeXTransportOptions.MemoryPoolFactory"/> is set.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public EporeXTransportFactory(IOptions<EporeXTransportOptions> options, ILoggerFactory loggerFactory, IMemoryPoolFactory<byte>? memoryPoolFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _options.Validate();
        _logger = loggerFactory.CreateLogger("EporeX.AspNetCore");
        if (_options.MemoryPoolFactory is { } custom)
        {
            _createPool = custom;
        }
        else if (memoryPoolFactory is not null)
        {
            _createPool = () => memoryPoolFactory.Create(new MemoryPoolOptions { Owner = "EporeX" }); // Kestrel's pool metrics tell it by this
        }
        else
        {
            _createPool = static () => new PinnedBlockMemoryPool();
        }
        _loops = new SharedLoopGroup(() => new EventLoopGroup(new EventLoopGroupOptions
        {
            LoopCount = _options.EffectiveLoopCount,
            Backend = _options.Backend,
            InlineContinuations = _options.InlineScheduling,
            Name = "EporeX Kestrel loop",
        }));
    }

    /// <summary>True for what EporeX listens on: an <see cref="IPEndPoint"/> or a <see cref="UnixDomainSocketEndPoint"/>, off Windows.</summary>
    public bool CanBind(EndPoint endpoint) =>
        !OperatingSystem.IsWindows() && endpoint is IPEndPoint or UnixDomainSocketEndPoint;

    /// <summary>Binds <paramref name="endpoint"/> and starts accepting on the shared loops (started by the first bind).</summary>
    /// <exception cref="NotSupportedException">The endpoint is not one <see cref="CanBind"/> accepts.</exception>
    /// <exception cref="AddressInUseException">The address is in use.</exception>
    /// <exception cref="SocketException">The kernel refused the bind or listen otherwise.</exception>
    /// <exception cref="EventQueueUnavailableException">The configured backend cannot run here.</exception>
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!CanBind(endpoint))
        {
            throw new NotSupportedException($"The EporeX transport binds IP and Unix domain socket endpoints on Unix; {endpoint.GetType().Name} {endpoint} is not one.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var group = _loops.Lease();
        EventLoopListener listener;
        try
        {
            listener = EventLoopListener.Bind(group, endpoint, new EventLoopListenerOptions
            {
                Distribution = _options.Distribution,
                Backlog = _options.Backlog,
                NoDelay = _options.NoDelay,
                Logger = _logger,
                ContinueAcceptsInline = true, // Kestrel's accept loop only wraps the connection and queues it
            });
        }
        catch (Exception e)
        {
            await _loops.ReturnAsync(group).ConfigureAwait(false);
            if (e is SocketException socketError)
            {
                throw TransportErrors.MapBind(socketError, endpoint);
            }

            throw;
        }

        var pool = _createPool();
        var pipeOptions = new DescriptorPipeOptions
        {
            Pool = pool,
            ReceivePauseThreshold = _options.ReceivePauseThreshold,
            SendPauseThreshold = _options.SendPauseThreshold,
            MinimumSegmentSize = Math.Min(pool.MaxBufferSize, PinnedBlockMemoryPool.BlockSize),
            InlineScheduling = _options.InlineScheduling,
            DeferSends = true,
            MapError = TransportErrors.Map,
            SendErrorsEndOutputQuietly = true,
        };
        ConnectionLog.Bound(_logger, listener.LocalEndPoint.ToString() ?? "?", group.Backend, group.Count, listener.Distribution, listener.DistributionReason, _options.InlineScheduling);
        return new EporeXConnectionListener(listener, _loops, group, pipeOptions, pool, _logger);
    }
}
