using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace EporeX.AspNetCore;

/// <summary>
/// One accepted connection as Kestrel sees it: its <see cref="DescriptorPipe"/> as the transport, and the
/// features Kestrel and middleware read (id, items, memory pool, end points, the socket, the closed token,
/// abort); it is also their collection (EporeXConnection.Features.cs), to which Kestrel adds its own (heartbeat,
/// lifetime notification).
/// </summary>
internal sealed partial class EporeXConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IMemoryPoolFeature,
    IConnectionLifetimeFeature, IConnectionEndPointFeature, IConnectionSocketFeature
{
    private readonly DescriptorPipe _pipe;
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _closedFired;
    private readonly ILogger _logger;
    private readonly AcceptedConnection _accepted;
    private readonly EporeXConnectionListener _listener; // whose pool it rents from: told when the connection is disposed
    private readonly long _idNumber;
    private int _disposed;
    private string? _id;
    private IDictionary<object, object?>? _items;

    public EporeXConnection(AcceptedConnection accepted, DescriptorPipeOptions pipeOptions, MemoryPool<byte> pool, ILogger logger, EporeXConnectionListener listener)
    {
        _accepted = accepted;
        _listener = listener;
        LocalEndPoint = accepted.LocalEndPoint; // Kestrel reads both for every connection: getsockname behind a wildcard listener, else none
        RemoteEndPoint = accepted.RemoteEndPoint;
        MemoryPool = pool;
        _logger = logger;
        _idNumber = ConnectionIds.Next();
        _pipe = DescriptorPipe.Create(accepted.Fd, pipeOptions); // from here the pipe owns the socket
        Transport = _pipe;
        ConnectionClosed = _closed.Token;

        SetOwnFeatures();

        _closedFired = FireClosedAsync();
    }

    public override string ConnectionId
    {
        get => _id ??= ConnectionIds.Format(_idNumber);
        set => _id = value;
    }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public MemoryPool<byte> MemoryPool { get; }

    public Socket Socket => _accepted.Socket; // built on first use: most connections never ask

    /// <summary>
    /// Ends the connection now: Kestrel's reads fail with <paramref name="abortReason"/>, unsent data is
    /// dropped, and the client's receive fails with a reset (as on the Sockets transport), so a cut answer
    /// never reads as a whole one.
    /// </summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Kestrel passes null at times (an output producer ending without an error), whatever the signature says.
        abortReason ??= new ConnectionAbortedException("The connection was aborted.");
        ConnectionLog.Aborted(_logger, ConnectionId, abortReason.Message);
        _pipe.AbortWithReset(abortReason);
    }

    /// <summary>
    /// Kestrel is done with the connection: what it flushed is sent, the write half shut, then the socket
    /// closed (as the Sockets transport: its end, then Shutdown(Both) and Dispose). Waits for the
    /// <see cref="ConnectionClosed"/> callbacks before it disposes the token.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await _pipe.Input.CompleteAsync().ConfigureAwait(false);
            await _pipe.DisposeAsync().ConfigureAwait(false);
            await _closedFired.ConfigureAwait(false);
            _closed.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _listener.ReleasePool(); // a connection may outlive its listener: the pool goes with the last of them
            }
        }
    }

    /// <summary>Fires <see cref="ConnectionClosed"/> once receiving has ended (the peer's end, an error, an abort).</summary>
    private async Task FireClosedAsync()
    {
        // Its callbacks are middleware code: run them on the pool, never on a loop thread.
        await _pipe.ReceiveCompletion.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        try
        {
            _closed.Cancel();
        }
        catch (Exception e)
        {
            ConnectionLog.ClosedCallbackFailed(_logger, e, ConnectionId);
        }
    }
}
