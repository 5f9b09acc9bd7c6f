using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace EporeX.Bench.ConnectionStorm;

/// <summary>
/// A single-threaded echo server on one Poll: accepts every connection, echoes what arrives, and closes a
/// connection at end of stream. Counts what it did so the storm can check it.
/// </summary>
internal sealed class EchoLoop : IDisposable
{
    private static readonly Token ListenerToken = new(0);
    private static readonly Token StopToken = new(1);

    private readonly Poll _poll;
    private readonly Socket _listener;
    private readonly Waker _stop;
    private readonly Thread _thread;
    private readonly Dictionary<ulong, Socket> _connections = new();
    private readonly byte[] _buffer = new byte[4096];
    private ulong _nextToken = 2;
    private volatile bool _stopping;
    private Exception? _failure;
    private int _open;

    /// <summary>Starts the loop on the backend EPOREX_BACKEND names, or the best one.</summary>
    public EchoLoop()
    {
        _poll = EventQueue.CreatePoll();
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4096);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _poll.Registry.Register(_listener, ListenerToken, Interest.Readable);
        _stop = new Waker(_poll.Registry, StopToken);
        _thread = new Thread(Run) { IsBackground = true, Name = "echo loop" };
        _thread.Start();
    }

    public IPEndPoint EndPoint { get; }

    public string Backend => _poll.Backend;

    public int Accepted { get; private set; }

    public int Closed { get; private set; }

    public long Echoed { get; private set; }

    /// <summary>Connections still open (read from another thread: a snapshot).</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Stops the loop and closes everything; rethrows what failed on the loop's thread.</summary>
    public void Dispose()
    {
        _stopping = true;
        _stop.Wake();
        if (!_thread.Join(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("the echo loop did not stop");
        }

        foreach (var socket in _connections.Values)
        {
            socket.Dispose();
        }

        _connections.Clear();
        _stop.Dispose();
        _poll.Dispose();
        _listener.Dispose();
        if (_failure is not null)
        {
            throw new InvalidOperationException("the echo loop failed", _failure);
        }
    }

    private void Run()
    {
        try
        {
            var events = new Events(1024);
            while (!_stopping)
            {
                _poll.Wait(events, null);
                foreach (var e in events)
                {
                    if (e.Token == ListenerToken)
                    {
                        AcceptAll();
                    }
                    else if (e.Token != StopToken && _connections.TryGetValue(e.Token.Value, out var socket))
                    {
                        Echo(e.Token.Value, socket);
                    }
                }
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    private void AcceptAll()
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
            var token = _nextToken++;
            _connections.Add(token, socket);
            _poll.Registry.Register(socket, new Token(token), Interest.Readable);
            Accepted++;
            Volatile.Write(ref _open, _connections.Count);
        }
    }

    private void Echo(ulong token, Socket socket)
    {
        while (true)
        {
            var n = socket.Receive(_buffer, 0, _buffer.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                return;
            }

            if (error != SocketError.Success || n == 0)
            {
                _poll.Registry.Deregister(socket);
                socket.Dispose();
                _connections.Remove(token);
                Closed++;
                Volatile.Write(ref _open, _connections.Count);
                return;
            }

            // Messages are small and the send buffer is empty: a non-blocking send takes them whole.
            var sent = socket.Send(_buffer, 0, n, SocketFlags.None, out error);
            if (error != SocketError.Success || sent != n)
            {
                throw new InvalidOperationException($"echo of {n} bytes sent {sent} ({error})");
            }

            Echoed += n;
        }
    }
}
