using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EporeX.Samples.HostedWorker;

/// <summary>
/// A TCP echo server on the Poll from DI: one thread waits, accepts, reads and writes back, and keeps
/// what a full socket buffer refused until the socket is writable again. A Waker ends the wait when the
/// host stops. When accept runs out of descriptors, the connections being served go on, the waiting
/// and newcomers are closed cleanly while descriptors are short (<see cref="AcceptReserve"/>), and a
/// warning is logged.
/// </summary>
internal sealed partial class EchoWorker(Poll poll, EchoEndpoint endpoint, ILogger<EchoWorker> logger) : BackgroundService
{
    private static readonly Token ListenerToken = new(0);
    private static readonly Token StopToken = new(1);
    private readonly Dictionary<Token, Connection> _connections = [];
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly AcceptReserve _reserve = new();
    private ulong _nextToken = 2;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Serve(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Serve(CancellationToken stoppingToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        listener.Bind(new IPEndPoint(IPAddress.Loopback, endpoint.Port));
        listener.Listen(64);
        using var stop = new Waker(poll.Registry, StopToken);
        using var wakeOnStop = stoppingToken.Register(stop.Wake);
        poll.Registry.Register(listener, ListenerToken, Interest.Readable);
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        Log.Listening(logger, bound, poll.Backend);
        endpoint.SetBound(bound);

        var events = new Events(256);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                poll.Wait(events);
                foreach (var e in events)
                {
                    if (e.Token == ListenerToken)
                    {
                        Accept(listener);
                    }
                    else if (_connections.TryGetValue(e.Token, out var connection) && !connection.Serve(_buffer))
                    {
                        Close(connection);
                    }
                }
            }
        }
        finally
        {
            foreach (var connection in _connections.Values)
            {
                Close(connection);
            }

            poll.Registry.Deregister(listener);
            _reserve.Dispose();
        }

        Log.Stopped(logger);
    }

    private void Accept(Socket listener)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = listener.Accept();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                return;
            }
            catch (SocketException e) when (AcceptReserve.IsExhaustion(e))
            {
                Log.OutOfDescriptors(logger, _connections.Count, _reserve.Exhausted(listener));
                return;
            }

            if (!AcceptReserve.Admit(socket))
            {
                Log.OutOfDescriptors(logger, _connections.Count, 1); // it took one of the descriptors left to the runtime
                continue;
            }

            socket.Blocking = false;
            var connection = new Connection(socket, new Token(_nextToken++), poll.Registry);
            _connections.Add(connection.Token, connection);
            poll.Registry.Register(socket, connection.Token, Interest.Readable);
        }
    }

    private void Close(Connection connection)
    {
        poll.Registry.Deregister(connection.Socket);
        connection.Socket.Dispose();
        _connections.Remove(connection.Token);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Echo server listening on {Endpoint} ({Backend})")]
        public static partial void Listening(ILogger logger, IPEndPoint endpoint, string backend);

        [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Echo server stopped")]
        public static partial void Stopped(ILogger logger);

        [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Out of descriptors with {Open} connections open: closed {Refused} new connection(s)")]
        public static partial void OutOfDescriptors(ILogger logger, int open, int refused);
    }
}
