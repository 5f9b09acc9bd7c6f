using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace EporeX.Samples.DelayDemo;

/// <summary>
/// Answers each request ("DELAY_MS\n") after that many milliseconds, from one thread and one Poll: the wait's
/// timeout is the time to the earliest answer due, so no timer thread is needed.
/// </summary>
internal sealed class DelayServer : IDisposable
{
    private static readonly Token ListenerToken = new(0);
    private static readonly Token StopToken = new(1);

    private readonly Poll _poll;
    private readonly Socket _listener;
    private readonly Waker _stop;
    private readonly Thread _thread;
    private readonly Dictionary<ulong, Connection> _connections = new();
    private readonly PriorityQueue<Connection, long> _due = new();
    private ulong _nextToken = 2;
    private volatile bool _stopping;

    private DelayServer(EventQueueFactory factory)
    {
        _poll = factory.CreatePoll();
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1024);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _poll.Registry.Register(_listener, ListenerToken, Interest.Readable);
        _stop = new Waker(_poll.Registry, StopToken);
        _thread = new Thread(Run) { IsBackground = true, Name = "delay server" };
    }

    public IPEndPoint EndPoint { get; }

    public static DelayServer Start(EventQueueFactory factory)
    {
        var server = new DelayServer(factory);
        server._thread.Start();
        return server;
    }

    public void Dispose()
    {
        _stopping = true;
        _stop.Wake();
        _thread.Join();
        foreach (var connection in _connections.Values)
        {
            connection.Socket.Dispose();
        }

        _stop.Dispose();
        _poll.Dispose();
        _listener.Dispose();
    }

    private void Run()
    {
        var events = new Events(256);
        while (!_stopping)
        {
            _poll.Wait(events, TimeUntilNextAnswer());
            foreach (var e in events)
            {
                if (e.Token == ListenerToken)
                {
                    Accept();
                }
                else if (_connections.TryGetValue(e.Token.Value, out var connection))
                {
                    Receive(connection);
                }
            }

            AnswerWhatIsDue();
        }
    }

    private TimeSpan? TimeUntilNextAnswer() =>
        _due.TryPeek(out _, out var due) ? Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Math.Max(due, Stopwatch.GetTimestamp())) : null;

    private void Accept()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                return;
            }

            socket.Blocking = false;
            socket.NoDelay = true;
            var connection = new Connection(new Token(_nextToken++), socket);
            _connections.Add(connection.Token.Value, connection);
            _poll.Registry.Register(socket, connection.Token, Interest.Readable);
        }
    }

    private void Receive(Connection connection)
    {
        var buffer = new byte[64];
        while (true)
        {
            var n = connection.Socket.Receive(buffer, 0, buffer.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                return;
            }

            if (error != SocketError.Success || n == 0)
            {
                Close(connection);
                return;
            }

            connection.Request.Append(Encoding.ASCII.GetString(buffer, 0, n));
            var text = connection.Request.ToString();
            var end = text.IndexOf('\n', StringComparison.Ordinal);
            if (end >= 0 && int.TryParse(text.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out var delay))
            {
                connection.DelayMs = delay;
                _poll.Registry.Deregister(connection.Socket); // nothing more to read: wait for the answer's time
                _due.Enqueue(connection, Stopwatch.GetTimestamp() + (long)(delay * (Stopwatch.Frequency / 1000.0)));
                return;
            }
        }
    }

    private void AnswerWhatIsDue()
    {
        var now = Stopwatch.GetTimestamp();
        while (_due.TryPeek(out var connection, out var due) && due <= now)
        {
            _due.Dequeue();
            // The answer is a few bytes on a fresh connection: it fits the send buffer, so no Writable wait.
            connection.Socket.Send(Encoding.ASCII.GetBytes($"slept {connection.DelayMs} ms\n"), SocketFlags.None, out _);
            _connections.Remove(connection.Token.Value);
            connection.Socket.Dispose();
        }
    }

    private void Close(Connection connection)
    {
        if (_poll.Registry.IsRegistered((int)connection.Socket.SafeHandle.DangerousGetHandle()))
        {
            _poll.Registry.Deregister(connection.Socket);
        }

        _connections.Remove(connection.Token.Value);
        connection.Socket.Dispose();
    }

    private sealed class Connection(Token token, Socket socket)
    {
        public Token Token { get; } = token;

        public Socket Socket { get; } = socket;

        public StringBuilder Request { get; } = new();

        public int DelayMs { get; set; }
    }
}
