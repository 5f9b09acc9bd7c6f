using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Net;
using EporeX.Samples;

namespace EporeX.Bench.EchoBench;

/// <summary>
/// The echo server written the way most .NET code is: async/await. One <see cref="EventLoop"/> owns the
/// only thread that waits; the listening socket and every connection are <see cref="AsyncFd"/>s on it,
/// and each connection is one long-lived async handler that reads and writes its own buffer. Nothing is
/// allocated per message: the buffer is the connection's, the handler's state machine is boxed once, at
/// its first await, and every await the loop completes is pooled by the library.
/// </summary>
/// <remarks>
/// The read is tokio's: await readability, then recv; a recv shorter than the buffer drained the socket,
/// so the readiness this guard saw is cleared without the extra recv that would only say EAGAIN. Bytes
/// that arrive afterwards raise a new edge (epoll, kqueue), which the loop records under a new tick, so
/// ClearReady cannot lose them (on poll(2) the loop re-arms level interest, which reports them as well).
/// That keeps the server at one recv, one send and a share of one wait per message, as the synchronous
/// loop. Only where that edge behaviour is known (epoll; kqueue on macOS and the BSDs) is the rule used;
/// elsewhere a short read is followed by another recv until EAGAIN, as with
/// <see cref="AsyncFd.ReadAsync"/>, which always ends a drain that way. With <c>readAsync</c> the handler is
/// the plain <c>await fd.ReadAsync(buffer)</c> loop instead, to measure what that EAGAIN costs.
/// </remarks>
internal sealed class AsyncEchoServer : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly EventLoop _loop;
    private readonly Socket _listener;
    private readonly AsyncFd _listenerFd;
    private readonly bool _shortReadDrains;
    private readonly bool _readAsync;
    private readonly bool _pipe;
    private readonly CancellationTokenSource _stop = new();
    private readonly AcceptReserve _reserve = new();
    private long _lastWarning = long.MinValue / 2;
    private int _handlers;

    public AsyncEchoServer(EventLoopOptions options, int port, bool readAsync = false, bool pipe = false)
    {
        _readAsync = readAsync;
        _pipe = pipe;
        _loop = new EventLoop(options);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            _listener.Listen(1024);
            _listener.Blocking = false;
            _listenerFd = _loop.Register(_listener, Interest.Readable);
        }
        catch
        {
            _listener.Dispose();
            _loop.Dispose();
            throw;
        }

        _shortReadDrains = Backend == "epoll" || (Backend == "kqueue" && !OperatingSystem.IsLinux());
    }

    public string Backend => _loop.Backend;

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Connections being served now.</summary>
    public int Connections => Volatile.Read(ref _handlers);

    /// <summary>Accepts and serves until <paramref name="stop"/> is cancelled or <see cref="DisposeAsync"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _stop.Token);
        while (true)
        {
            ReadyGuard guard;
            try
            {
                guard = await _listenerFd.ReadableAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            if (!AcceptAll())
            {
                guard.ClearReady(); // drained to EAGAIN: the next connection raises a new readiness
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listenerFd.Dispose();
        _listener.Dispose();
        _reserve.Dispose();
        await _loop.DisposeAsync().ConfigureAwait(false); // pending handler awaits end with ObjectDisposedException
        _stop.Dispose();
    }

    /// <summary>Accepts every pending connection; false when accept said EAGAIN (or the waiting ones were shed).</summary>
    private bool AcceptAll()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted or SocketError.Interrupted)
            {
                if (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    return false;
                }

                continue;
            }
            catch (SocketException e) when (AcceptReserve.IsExhaustion(e))
            {
                // The connections being served go on; the waiting ones get a clean close (AcceptReserve).
                Warn(_reserve.Exhausted(_listener));
                return false;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }

            if (!AcceptReserve.Admit(socket))
            {
                Warn(1); // it took one of the descriptors left to the runtime: closed
                continue;
            }

            _ = ServeAsync(socket); // runs on by itself; it catches everything it expects
        }
    }

    /// <summary>Refused connections are logged one line a second at most, however many there are.</summary>
    private void Warn(int refused)
    {
        var now = Environment.TickCount64;
        if (now - _lastWarning >= 1000)
        {
            _lastWarning = now;
            Console.Error.WriteLine($"echo server: warning: out of descriptors with {Connections} connections open; closed {refused} new connection(s)");
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        Interlocked.Increment(ref _handlers);
        AsyncFd? fd = null;
        try
        {
            socket.Blocking = false;
            socket.NoDelay = true;
            fd = _loop.Register(socket, Interest.Readable | Interest.Writable);
            var buffer = _pipe ? [] : new byte[BufferSize];
            if (_pipe)
            {
                await PipeEcho.RunAsync(fd, _loop.InlineContinuations).ConfigureAwait(false);
            }
            else if (_readAsync)
            {
                await EchoWithReadAsync(fd, buffer).ConfigureAwait(false);
            }
            else
            {
                await EchoAsync(fd, socket.SafeHandle, buffer, _shortReadDrains).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException or EventQueueException)
        {
            // reset by the peer, or the server stops: the connection ends here
        }
        finally
        {
            fd?.Dispose();
            socket.Dispose();
            Interlocked.Decrement(ref _handlers);
        }
    }

    // No CancellationToken in the handlers: registering one on every await that waits would cost per
    // message. They end when the loop is disposed (ObjectDisposedException) or the peer goes.
    internal static async Task EchoAsync(AsyncFd fd, SafeSocketHandle handle, byte[] buffer, bool shortReadDrains)
    {
        while (true)
        {
            var guard = await fd.ReadableAsync().ConfigureAwait(false);
            var n = SocketIO.Receive(handle, buffer, out var error);
            if (n < 0)
            {
                if (error != SocketError.WouldBlock)
                {
                    throw new SocketException((int)error);
                }

                guard.ClearReady();
                continue;
            }

            if (n == 0)
            {
                return; // the peer shut down its side: close ours
            }

            if (shortReadDrains && n < buffer.Length && (guard.Ready & (Readiness.ReadClosed | Readiness.Error)) == 0)
            {
                guard.ClearReady(); // see the remarks: a short read drained the socket
            }

            await fd.WriteAllAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
        }
    }

    internal static async Task EchoWithReadAsync(AsyncFd fd, byte[] buffer)
    {
        while (true)
        {
            var n = await fd.ReadAsync(buffer).ConfigureAwait(false);
            if (n == 0)
            {
                return;
            }

            await fd.WriteAllAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
        }
    }
}
