using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;

namespace EporeX.Samples.EventSources;

/// <summary>The loop: every source is a token in the same Poll, and every event comes from one Wait call.</summary>
internal sealed partial class SourceLoop : IDisposable
{
    private static readonly Token Listener = new(1);
    private static readonly Token Tick = new(2);
    private static readonly Token ChildExit = new(3);
    private static readonly Token Terminate = new(4);
    private const ulong FirstConnection = 100;
    private const int SIGTERM = 15; // the same number on Linux, macOS and the BSDs

    private readonly Poll _poll;
    private readonly bool _selfTest;
    private readonly Socket _listener;
    private readonly TimerSource _timer;
    private readonly SignalSource _sigterm;
    private readonly SignalSource _sigint;
    private readonly Process _child;
    private readonly ProcessExitSource _exit;
    private readonly Dictionary<ulong, Socket> _connections = [];
    private readonly byte[] _buffer = new byte[4096];
    private ulong _nextConnection = FirstConnection;
    private long _ticks;
    private int _echoed;
    private int? _childExitCode;
    private bool _terminated;
    private bool _clientDone;

    public SourceLoop(Poll poll, bool selfTest)
    {
        _poll = poll;
        _selfTest = selfTest;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        poll.Registry.Register(_listener, Listener, Interest.Readable);

        _timer = new TimerSource(poll.Registry, Tick);
        _timer.Arm(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));

        // Suppresses the default action (ending the process) while the loop runs: SIGTERM becomes an event.
        _sigterm = new SignalSource(poll.Registry, Terminate, PosixSignal.SIGTERM);
        _sigint = new SignalSource(poll.Registry, Terminate, PosixSignal.SIGINT);

        _child = Process.Start(new ProcessStartInfo("sleep", "0.2") { UseShellExecute = false })!;
        _exit = new ProcessExitSource(poll.Registry, ChildExit, _child);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public string Summary => $"{_ticks} ticks, {_echoed} bytes echoed, child exit code {_childExitCode?.ToString() ?? "-"}, terminated by signal: {_terminated}";

    /// <summary>Runs until SIGTERM/SIGINT (true) or <paramref name="limit"/> (false).</summary>
    public bool Run(TimeSpan limit)
    {
        if (_selfTest)
        {
            new Thread(Client) { IsBackground = true }.Start();
        }

        var events = new Events(64);
        var clock = Stopwatch.StartNew();
        while (!_terminated && clock.Elapsed < limit)
        {
            _poll.Wait(events, TimeSpan.FromSeconds(1));
            foreach (var e in events)
            {
                Dispatch(e);
            }

            if (_selfTest && Volatile.Read(ref _clientDone) && _ticks >= 10 && _childExitCode is not null && !_terminated)
            {
                _ = Kill(Environment.ProcessId, SIGTERM);
                _clientDone = false; // once
            }
        }

        return _terminated && (!_selfTest || (_echoed > 0 && _ticks >= 10 && _childExitCode == 0));
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Dispose();
        }

        _exit.Dispose();
        _child.Dispose();
        _sigint.Dispose();
        _sigterm.Dispose();
        _timer.Dispose();
        _listener.Dispose();
    }

    private void Dispatch(Event e)
    {
        if (e.Token == Listener)
        {
            Accept();
        }
        else if (e.Token == Tick)
        {
            _ticks += _timer.Consume(); // missed periods count too
        }
        else if (e.Token == ChildExit)
        {
            _child.WaitForExit(); // already exited: returns at once; ExitCode is intact (the source does not reap)
            _childExitCode = _child.ExitCode;
            Console.WriteLine($"child {_child.Id} exited with {_childExitCode} after {_ticks} ticks");
        }
        else if (e.Token == Terminate)
        {
            _terminated = true;
            Console.WriteLine($"SIGTERM/SIGINT x{_sigterm.Consume() + _sigint.Consume()}: stopping");
        }
        else if (_connections.TryGetValue(e.Token.Value, out var connection))
        {
            Echo(e.Token.Value, connection);
        }
    }

    private void Accept()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = _listener.Accept();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                return;
            }

            accepted.Blocking = false;
            var token = _nextConnection++;
            _connections.Add(token, accepted);
            _poll.Registry.Register(accepted, new Token(token), Interest.Readable);
        }
    }

    private void Echo(ulong token, Socket connection)
    {
        while (true)
        {
            int n;
            try
            {
                n = connection.Receive(_buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                return;
            }

            if (n == 0)
            {
                _poll.Registry.Deregister(connection);
                _connections.Remove(token);
                connection.Dispose();
                return;
            }

            // Small messages on loopback: a blocking send of what was read is enough for a sample.
            connection.Blocking = true;
            connection.Send(_buffer.AsSpan(0, n));
            connection.Blocking = false;
            _echoed += n;
        }
    }

    private void Client()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(new IPEndPoint(IPAddress.Loopback, Port));
        var message = "hello, one Wait"u8.ToArray();
        client.Send(message);
        var echoed = new byte[message.Length];
        var received = 0;
        while (received < echoed.Length)
        {
            received += client.Receive(echoed, received, echoed.Length - received, SocketFlags.None);
        }

        Console.WriteLine($"client got back \"{System.Text.Encoding.ASCII.GetString(echoed)}\"");
        client.Shutdown(SocketShutdown.Both);
        Volatile.Write(ref _clientDone, true);
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
