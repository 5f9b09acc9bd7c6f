using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EporeX;

/// <summary>
/// Accepts connections on a TCP (IPv4, IPv6) or Unix domain endpoint and hands each to a loop of an
/// <see cref="EventLoopGroup"/>, registered and ready to read and write: take them with
/// <see cref="AcceptAsync"/>, or have them passed to a callback with <see cref="Start"/>.
/// </summary>
/// <remarks>
/// <para>Connections are spread either by the kernel, over one listening socket per loop bound with
/// SO_REUSEPORT (Linux) or SO_REUSEPORT_LB (FreeBSD), or by one acceptor that assigns each connection to
/// <see cref="EventLoopGroup.Next"/>; <see cref="Distribution"/> tells which (see
/// <see cref="ListenerDistribution"/>). Each readiness of a listening socket is served by accepting until
/// the backlog is empty (accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC).</para>
/// <para>Running out of descriptors (EMFILE, ENFILE) neither spins nor stops the listener: with
/// <see cref="EventLoopListenerOptions.ReserveDescriptor"/> it frees a spare descriptor, accepts and closes
/// the pending connections so that their peers see a clean close, and takes the spare again; when that
/// cannot help it pauses accepting, 5 ms at first and doubling up to
/// <see cref="EventLoopListenerOptions.MaxAcceptBackoff"/>. Either way it logs a warning (at most one a second).</para>
/// <para><see cref="StopAsync"/> stops accepting and closes the listening sockets (a Unix socket's file is
/// deleted); <see cref="AcceptAsync"/> then throws <see cref="InvalidOperationException"/>. <see cref="DisposeAsync"/>
/// stops, closes the connections its callbacks still hold, and waits for the callbacks to return.</para>
/// </remarks>
public sealed partial class EventLoopListener : IAsyncDisposable
{
    private const int Running = 0;
    private const int Stopped = 1;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(5);

    private readonly EventLoopGroup _group;
    private readonly ListeningSocket[] _sockets;
    private readonly ReserveDescriptor? _reserve;
    private readonly Channel<AcceptedConnection> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _aborting = new();
    private readonly HashSet<AcceptedConnection> _active = [];
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly TimeSpan _maxBackoff;
    private readonly string _display;
    private readonly bool _noDelay;
    private readonly string? _unixPath;
    private Func<AcceptedConnection, CancellationToken, ValueTask>? _callback;
    private TaskCompletionSource? _callbacksDone;
    private Task _pump = Task.CompletedTask;
    private Task? _stopTask;
    private Exception? _fault;
    private int _state;
    private int _disposed;
    private int _acceptUsed;
    private long _accepted;
    private long _refused;
    private long _backoffs;
    private long _acceptCalls;
    private long _lastWarning;
    private long _unwarned;
    private int _liveAcceptLoops;

    private EventLoopListener(EventLoopGroup group, EndPoint endPoint, EventLoopListenerOptions options)
    {
        _group = group;
        _logger = options.Logger ?? NullLogger.Instance;
        _maxBackoff = options.MaxAcceptBackoff;
        _reserve = options.ReserveDescriptor ? new ReserveDescriptor() : null;
        var registered = new List<ListeningSocket>();
        List<Socket>? sockets = null;
        try
        {
            (sockets, Distribution, DistributionReason) = ListenerBinding.Bind(endPoint, group.Count, options);
            for (var i = 0; i < sockets.Count; i++)
            {
                // One socket per loop: it lives on that loop and its connections stay there. One acceptor:
                // it lives on the group's next loop and its connections go round the group.
                var loop = Distribution == ListenerDistribution.ReusePort ? group[i] : group.Next();
                var fd = loop.Register(sockets[i], Interest.Readable);
                registered.Add(new ListeningSocket(sockets[i], fd, Distribution == ListenerDistribution.ReusePort ? loop : null));
            }
        }
        catch
        {
            foreach (var listening in registered)
            {
                listening.Fd.Dispose();
            }

            foreach (var socket in sockets ?? [])
            {
                socket.Dispose(); // the listener owns its listening sockets
            }

            _reserve?.Dispose();
            throw;
        }

        _sockets = [.. registered];
        LocalEndPoint = _sockets[0].Socket.LocalEndPoint!;
        _display = LocalEndPoint.ToString() ?? endPoint.ToString() ?? "?";
        _noDelay = options.NoDelay && endPoint is IPEndPoint;
        if (endPoint is UnixDomainSocketEndPoint && _display.Length > 0 && _display[0] is not ('\0' or '@'))
        {
            _unixPath = _display; // a path in the file system (not an abstract name): deleted on stop
        }

        _queue = Channel.CreateBounded<AcceptedConnection>(new BoundedChannelOptions(options.AcceptQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,

            // An AcceptAsync that waits continues where the connection was accepted, not behind the thread
            // pool's queue (one trip through it fewer per connection, as with Sockets' accept completions):
            // on inline loops, as every other await on them does; elsewhere only for a consumer known to
            // return at once (ContinueAcceptsInline), since one that blocked would stall accepting.
            AllowSynchronousContinuations = group[0].InlineContinuations || options.ContinueAcceptsInline,
        });
        ListenerLog.Listening(_logger, _display, Distribution, group.Count, DistributionReason);
        _liveAcceptLoops = _sockets.Length;
        foreach (var listening in _sockets)
        {
            listening.AcceptLoop = AcceptLoopAsync(listening);
        }

        EventLoopListenerMetrics.Track(this);
    }

    private enum Burst
    {
        Drained,
        QueueFull,
        OutOfResources,
        Failed,
    }

    /// <summary>The address bound: the port the kernel chose when 0 was asked, or the Unix socket's path.</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>The group whose loops serve the connections.</summary>
    public EventLoopGroup Group => _group;

    /// <summary>How connections are spread: <see cref="ListenerDistribution.ReusePort"/> or <see cref="ListenerDistribution.Acceptor"/>, never Auto.</summary>
    public ListenerDistribution Distribution { get; }

    /// <summary>Why that distribution, for a log line ("SO_REUSEPORT: the kernel spreads…", "Unix domain sockets have…").</summary>
    public string DistributionReason { get; }

    /// <summary>How many listening sockets are open: one per loop with <see cref="ListenerDistribution.ReusePort"/>, else one.</summary>
    public int ListeningSocketCount => _sockets.Length;

    /// <summary>Connections accepted so far, those the listener closed itself at its stop (never taken) included.</summary>
    public long AcceptedCount => Interlocked.Read(ref _accepted);

    /// <summary>Connections accepted only to be closed at once because the descriptor limit was reached (the spare descriptor technique).</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    /// <summary>How many times accepting paused because descriptors or memory ran out and nothing else could help.</summary>
    public long BackoffCount => Interlocked.Read(ref _backoffs);

    /// <summary>accept4 calls made, whatever their result: what tells a listener that spins from one that waits.</summary>
    internal long AcceptCallCount => Interlocked.Read(ref _acceptCalls);

    /// <summary>Binds <paramref name="endPoint"/> and starts accepting on <paramref name="group"/>'s loops.</summary>
    /// <param name="group">The loops that serve the connections.</param>
    /// <param name="endPoint">An <see cref="IPEndPoint"/> (port 0 for any free port) or a <see cref="UnixDomainSocketEndPoint"/>.</param>
    /// <param name="options">Distribution, backlog, descriptor-limit behaviour, logger.</param>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> or <paramref name="endPoint"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="endPoint"/> is neither an IP nor a Unix domain endpoint (resolve a DnsEndPoint first).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (backlog, queue capacity or back-off not positive, unknown distribution).</exception>
    /// <exception cref="ObjectDisposedException">The group is disposed.</exception>
    /// <exception cref="NotSupportedException"><see cref="ListenerDistribution.ReusePort"/> was asked for where it cannot work.</exception>
    /// <exception cref="SocketException">The kernel refused the bind or listen (address in use, not available…); nothing is left open.</exception>
    /// <exception cref="EventQueueException">The spare descriptor or a registration failed (EMFILE…); nothing is left open.</exception>
    public static EventLoopListener Bind(EventLoopGroup group, EndPoint endPoint, EventLoopListenerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(endPoint);
        ObjectDisposedException.ThrowIf(group.IsDisposed, group);
        options ??= new EventLoopListenerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Backlog, nameof(options.Backlog));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.AcceptQueueCapacity, nameof(options.AcceptQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MaxAcceptBackoff, TimeSpan.Zero, nameof(options.MaxAcceptBackoff));
        if (!Enum.IsDefined(options.Distribution))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Distribution, "Unknown ListenerDistribution.");
        }

        if (endPoint is not (IPEndPoint or UnixDomainSocketEndPoint))
        {
            throw new ArgumentException($"The endpoint must be an IPEndPoint or a UnixDomainSocketEndPoint; got {endPoint.GetType().Name} {endPoint} (resolve names first).", nameof(endPoint));
        }

        return new EventLoopListener(group, endPoint, options);
    }

    /// <summary>
    /// The next accepted connection, at once when one is waiting. The caller owns it and disposes it.
    /// Several callers may await at once; each connection goes to one of them. An await that waits
    /// continues on the thread pool, or, when the group's loops run continuations inline, on the thread
    /// that accepted the connection (a loop thread): it must not block there.
    /// </summary>
    /// <param name="cancellationToken">Cancels this await (<see cref="OperationCanceledException"/>); the listener goes on.</param>
    /// <exception cref="InvalidOperationException">The listener was <see cref="Start">started</see> with a callback, or it is stopped (also as the await's result).</exception>
    /// <exception cref="ObjectDisposedException">The listener is disposed (also as the await's result).</exception>
    public ValueTask<AcceptedConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _callback) is not null)
        {
            throw new InvalidOperationException("The listener hands its connections to the callback given to Start; AcceptAsync cannot take them as well.");
        }

        Volatile.Write(ref _acceptUsed, 1);
        return _queue.Reader.TryRead(out var connection)
            ? new ValueTask<AcceptedConnection>(connection)
            : AcceptSlowAsync(cancellationToken);
    }

    /// <summary>
    /// Hands every connection to <paramref name="onConnection"/>, each on the thread pool, concurrently.
    /// The connection lives as long as the callback: it is disposed when the callback's task ends. The
    /// token the callback is given is cancelled by <see cref="DisposeAsync"/>. A callback that throws is
    /// logged; the listener goes on.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="onConnection"/> is null.</exception>
    /// <exception cref="InvalidOperationException">It was started already, <see cref="AcceptAsync"/> was used, or the listener is stopped.</exception>
    /// <exception cref="ObjectDisposedException">The listener is disposed.</exception>
    public void Start(Func<AcceptedConnection, CancellationToken, ValueTask> onConnection)
    {
        ArgumentNullException.ThrowIfNull(onConnection);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_gate)
        {
            if (_state != Running)
            {
                throw new InvalidOperationException("The listener is stopped: it accepts no more connections.");
            }

            if (_callback is not null || Volatile.Read(ref _acceptUsed) != 0)
            {
                throw new InvalidOperationException(_callback is not null
                    ? "The listener was started already."
                    : "AcceptAsync has been used on this listener; it cannot hand connections to a callback as well.");
            }

            Volatile.Write(ref _callback, onConnection);
            _pump = PumpAsync();
        }
    }

    /// <summary>
    /// Stops accepting: the accept loops end, the listening sockets are closed (new connections are
    /// refused by the kernel; a Unix socket's file is deleted), connections accepted but not yet taken
    /// are closed, and pending and later <see cref="AcceptAsync"/> calls throw
    /// <see cref="InvalidOperationException"/>. Then waits for the running callbacks to return (called from
    /// one of them, for the others: it could not return before).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the callbacks (not the stop itself).</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await EnsureStopped().ConfigureAwait(false);
        await CallbacksDone().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops (as <see cref="StopAsync"/>), cancels the callbacks' token and closes the connections they
    /// still hold (their pending awaits fail with <see cref="ObjectDisposedException"/>), waits for them to
    /// return (called from one of them, for the others; its own connection is closed too), and closes the
    /// spare descriptor: every descriptor the listener opened is closed. Calling it again does nothing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _aborting.Cancel();
        await EnsureStopped().ConfigureAwait(false);
        AcceptedConnection[] active;
        lock (_active)
        {
            active = [.. _active];
        }

        foreach (var connection in active)
        {
            connection.Dispose();
        }

        await CallbacksDone().ConfigureAwait(false);
        _stopping.Dispose();
        _aborting.Dispose();
    }

    private async ValueTask<AcceptedConnection> AcceptSlowAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw Closed();
        }
    }

    private Exception Closed() =>
        Volatile.Read(ref _disposed) != 0 ? new ObjectDisposedException(nameof(EventLoopListener), "The listener is disposed.")
        : _fault is not null ? new InvalidOperationException($"The listener stopped accepting: {_fault.Message}", _fault)
        : new InvalidOperationException("The listener is stopped: it accepts no more connections.");

    private Task EnsureStopped()
    {
        lock (_gate)
        {
            _state = Stopped;
            return _stopTask ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var listening in _sockets)
        {
            await listening.AcceptLoop.ConfigureAwait(false); // ends at once: every await in it observes the token
            listening.Close();
        }

        if (_unixPath is not null)
        {
            try
            {
                System.IO.File.Delete(_unixPath);
            }
            catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException)
            {
                // Someone else's now, or gone: nothing of ours to clean up.
            }
        }

        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var left))
        {
            left.Dispose(); // accepted but never taken: nobody else will close it
        }

        await _pump.ConfigureAwait(false);
        _reserve?.Dispose();
        EventLoopListenerMetrics.Untrack(this);
    }
}
