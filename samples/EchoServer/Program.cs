using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EporeX;
using EporeX.Net;

// A TCP echo server on one thread and one Poll: the loop every readiness-based server is built on.
// Usage: EchoServer [--port PORT (0: any)] [--backend epoll|kqueue|poll|auto] [--seconds LIFETIME]
// Try it: dotnet run --project samples/EchoServer -- --port 9000, then `nc 127.0.0.1 9000`.
using var poll = EventQueue.CreatePoll(Arg("--backend")); // null: the best backend here
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
listener.Bind(new IPEndPoint(IPAddress.Loopback, Number("--port", 0)));
listener.Listen(1024);

// Tokens say which source an event is for: 0 and 1 are ours, every connection gets the next number.
var listenerToken = new Token(0);
poll.Registry.Register(listener, listenerToken, Interest.Readable);

// SIGINT/SIGTERM arrive on another thread; a Waker is how another thread ends the wait.
using var stop = new Waker(poll.Registry, new Token(1));
var stopping = false;
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping = true;
    stop.Wake();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

var connections = new Dictionary<Token, Connection>();
var buffer = new byte[64 * 1024]; // one buffer for every read: a connection keeps only what the peer did not take
var events = new Events(256);
var nextToken = 2UL;
var deadline = DateTime.UtcNow.AddSeconds(Number("--seconds", 3600));
Console.Error.WriteLine($"echo server: {listener.LocalEndPoint}, backend {poll.Backend}");

var acceptPaused = false;
while (!stopping && DateTime.UtcNow < deadline)
{
    poll.Wait(events, TimeSpan.FromMilliseconds(acceptPaused ? 100 : 1000)); // bounds how late the deadline is seen
    if (acceptPaused)
    {
        poll.Registry.Register(listener, listenerToken, Interest.Readable);
        acceptPaused = false;
    }

    foreach (var e in events)
    {
        if (e.Token == listenerToken)
        {
            Accept();
        }
        else if (connections.TryGetValue(e.Token, out var connection))
        {
            Serve(e.Token, connection);
        }
    }
}

foreach (var connection in connections.Values)
{
    connection.Socket.Dispose();
}

// Readiness says "try now", not "this much is there": accept until the kernel says it would block.
void Accept()
{
    while (true)
    {
        Socket socket;
        try
        {
            socket = listener.Accept();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted)
        {
            return; // none left, or a client gave up in the queue
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets)
        {
            // Out of descriptors: the listener stays readable, so waiting on it now would spin. Serve the
            // connections we have and look again after a wait (EventLoopListener keeps a spare descriptor instead).
            poll.Registry.Deregister(listener);
            acceptPaused = true;
            return;
        }

        socket.Blocking = false;
        socket.NoDelay = true;
        var token = new Token(nextToken++);
        poll.Registry.Register(socket, token, Interest.Readable);
        connections.Add(token, new Connection(socket));
    }
}

// Level-triggered: whatever is left unread or unsent is reported again by the next wait, so a connection
// can stop early (its send buffer is full) without losing anything.
void Serve(Token token, Connection connection)
{
    if (!connection.Flush())
    {
        return; // still unsent bytes: it waits for Writable, reads nothing more meanwhile (backpressure)
    }

    while (!connection.PeerClosed)
    {
        var n = SocketIO.Receive(connection.Socket, buffer, out var error);
        if (n > 0)
        {
            if (!connection.Send(buffer.AsSpan(0, n)))
            {
                poll.Registry.Reregister(connection.Socket, token, Interest.Writable); // until the slow peer takes more
                connection.WaitsToWrite = true;
                return;
            }
        }
        else if (n == 0 || error != SocketError.WouldBlock)
        {
            connection.PeerClosed = true; // end of stream, or a reset: nothing more will come
        }
        else
        {
            if (connection.WaitsToWrite)
            {
                poll.Registry.Reregister(connection.Socket, token, Interest.Readable);
                connection.WaitsToWrite = false;
            }

            return; // drained: the next wait says when more arrives
        }
    }

    // The peer finished (or failed) and everything it sent went back: close our side too.
    poll.Registry.Deregister(connection.Socket);
    connection.Socket.Dispose();
    connections.Remove(token);
}

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

int Number(string name, int fallback) => int.TryParse(Arg(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : fallback;

/// <summary>One client: its socket, and the bytes it sent that its socket has not taken back yet.</summary>
internal sealed class Connection(Socket socket)
{
    private byte[]? _unsent; // made the first time a send falls short; most connections never need it
    private int _start;
    private int _end;

    public Socket Socket { get; } = socket;

    public bool PeerClosed { get; set; }

    public bool WaitsToWrite { get; set; } // registered for Writable, not Readable, until nothing is unsent

    /// <summary>Sends <paramref name="bytes"/>, keeping what the socket did not take; false when some was kept.</summary>
    public bool Send(ReadOnlySpan<byte> bytes)
    {
        var sent = SendSome(bytes);
        if (sent == bytes.Length)
        {
            return true;
        }

        _unsent ??= new byte[64 * 1024];
        bytes[sent..].CopyTo(_unsent);
        (_start, _end) = (0, bytes.Length - sent);
        return false;
    }

    /// <summary>Sends what was kept; true when nothing is left.</summary>
    public bool Flush()
    {
        _start += SendSome(_unsent.AsSpan(_start, _end - _start));
        return _start == _end;
    }

    private int SendSome(ReadOnlySpan<byte> bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            var n = SocketIO.Send(Socket, bytes[sent..], out var error);
            if (n < 0)
            {
                PeerClosed |= error != SocketError.WouldBlock;
                return PeerClosed ? bytes.Length : sent; // after a reset there is no one to keep bytes for
            }

            sent += n;
        }

        return sent;
    }
}
