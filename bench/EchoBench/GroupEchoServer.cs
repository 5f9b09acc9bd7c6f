using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Bench.EchoBench;

/// <summary>
/// <c>--async --loops N</c>: the async echo server on every core. An <see cref="EventLoopGroup"/> of N
/// loops and an <see cref="EventLoopListener"/> that spreads the accepted connections over them (one
/// <c>SO_REUSEPORT</c> socket per loop where the kernel balances, else one acceptor); each connection is
/// served by the same handler as on one loop, on the loop it was given.
/// </summary>
internal sealed class GroupEchoServer : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly EventLoopGroup _group;
    private readonly EventLoopListener _listener;
    private readonly EchoOptions _options;

    public GroupEchoServer(EchoOptions options)
    {
        _options = options;
        _group = new EventLoopGroup(new EventLoopGroupOptions { LoopCount = options.Loops, Backend = options.Backend, InlineContinuations = options.Inline });
        try
        {
            _listener = EventLoopListener.Bind(_group, new IPEndPoint(IPAddress.Loopback, options.Port));
        }
        catch
        {
            _group.Dispose();
            throw;
        }
    }

    /// <summary>The bound port (the one the kernel chose when 0 was asked).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndPoint).Port;

    public string Description => $"{_group.Count} loops ({_group.Backend}), {_listener.Distribution}";

    public async Task RunAsync(CancellationToken stop)
    {
        _listener.Start(ServeAsync);
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the lifetime ended, or SIGINT/SIGTERM
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _group.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask ServeAsync(AcceptedConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            // TCP_NODELAY is the listener's default; no Socket object is made for this connection.
            if (_options.Pipe)
            {
                await PipeEcho.RunAsync(connection.Fd, connection.Loop.InlineContinuations).ConfigureAwait(false);
            }
            else
            {
                // The plain ReadAsync loop: the short-read rule of the one-loop server is a measurement of its own.
                await AsyncEchoServer.EchoWithReadAsync(connection.Fd, new byte[BufferSize]).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // reset by the peer, or the server stops: the connection ends here (the listener closes it)
        }
    }
}
