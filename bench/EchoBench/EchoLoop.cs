using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using EporeX.Net;
using EporeX.Samples;

namespace EporeX.Bench.EchoBench;

/// <summary>
/// One event loop: a Poll, a listening socket, and the connections it accepted. Edge-triggered where the
/// backend supports it (each connection registered once for Readable | Writable and never changed, as
/// mio users and the reference C server do); level-triggered otherwise (poll(2)), where a connection
/// whose echo did not fit is switched to Writable until it is flushed.
/// </summary>
/// <remarks>
/// Read strategy. Level: one receive per readiness report; the next wait reports what is left. Edge: a
/// receive that fills the whole buffer is followed by another; a shorter one means the socket's receive
/// queue was empty when the kernel copied it, and any byte that arrives later raises a new edge (Linux
/// epoll and kqueue report every arrival on a stream socket after the event was delivered), so the loop
/// stops there without the extra receive that would only say EAGAIN (tokio does the same over mio's
/// epoll and kqueue selectors). The exception is an event that
/// reports ReadClosed or Error: the end of the stream raises no further edge, so then the loop reads on
/// until it sees 0 or an error. The rule is used only where that kernel behaviour is known (epoll; kqueue
/// on macOS and the BSDs); any other edge-triggered backend (kqueue emulated by libkqueue on Linux, a
/// third party's) is read until EAGAIN, as mio's contract asks.
/// </remarks>
internal sealed class EchoLoop : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private const ulong ListenerToken = 0;
    private const ulong WakerToken = 1;
    private const ulong FirstConnection = 2;

    private readonly Poll _poll;
    private readonly Socket _listener;
    private readonly Waker _waker;
    private readonly Events _events = new(512);
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
    private readonly bool _edge;
    private readonly bool _shortReadDrains;
    private readonly PollMode _mode;
    private readonly AcceptReserve _reserve = new();
    private Connection[] _connections = new Connection[64];
    private int[] _free = new int[64];
    private int _freeCount;
    private int _used;
    private long _lastWarning = long.MinValue / 2;
    private volatile bool _stopping;
    private volatile bool _disposed;

    public EchoLoop(Poll poll, int port, bool reusePort)
    {
        _poll = poll;
        _edge = poll.Capabilities.Edge;
        _mode = _edge ? PollMode.Edge : PollMode.Level;
        _shortReadDrains = _edge && poll.Capabilities.ShortReadDrains;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (reusePort)
            {
                ReusePort.Enable(_listener);
            }

            _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            _listener.Listen(SocketBacklog);
            _listener.Blocking = false;
            _poll.Registry.Register(_listener, new Token(ListenerToken), Interest.Readable, _mode);
            _waker = new Waker(_poll.Registry, new Token(WakerToken));
        }
        catch
        {
            _listener.Dispose();
            _poll.Dispose();
            throw;
        }
    }

    public string Backend => _poll.Backend;

    /// <summary>The port listened on (the one asked for, or the kernel's choice for 0).</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    private static int SocketBacklog => 1024;

    /// <summary>Serves until <see cref="Stop"/> or until <see cref="Environment.TickCount64"/> reaches <paramref name="deadline"/>.</summary>
    public void Run(long deadline)
    {
        while (!_stopping)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return;
            }

            _poll.Wait(_events, TimeSpan.FromMilliseconds(left));
            foreach (var ev in _events)
            {
                var token = ev.Token.Value;
                if (token >= FirstConnection)
                {
                    Service((int)(token - FirstConnection), ev);
                }
                else if (token == ListenerToken)
                {
                    AcceptAll();
                }
            }
        }
    }

    /// <summary>Makes <see cref="Run"/> return soon; from any thread (a signal handler).</summary>
    public void Stop()
    {
        _stopping = true;
        if (!_disposed)
        {
            try
            {
                _waker.Wake();
            }
            catch (ObjectDisposedException)
            {
                // disposed meanwhile: nothing waits any more
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (var slot = 0; slot < _used; slot++)
        {
            if (_connections[slot].IsOpen)
            {
                Close(slot);
            }
        }

        _waker.Dispose();
        _listener.Dispose();
        _reserve.Dispose();
        _poll.Dispose();
    }

    private void Service(int slot, Event ev)
    {
        ref var c = ref _connections[slot];
        if (!c.IsOpen)
        {
            return; // closed earlier in this batch
        }

        var readOn = c.HasPending ? FlushPending(slot, ref c) : MustRead(c, ev.Readiness);
        if (readOn)
        {
            ReadAndEcho(slot, ref c, ev.Readiness);
        }
    }

    /// <summary>Sends the echo that did not fit earlier; true when it is flushed and reading may go on at once.</summary>
    private bool FlushPending(int slot, ref Connection c)
    {
        var flushed = Flush(ref c);
        if (flushed != Progress.Done)
        {
            if (flushed == Progress.Failed)
            {
                Close(slot);
            }

            return false;
        }

        if (!_edge)
        {
            // Level: reading was switched off while the echo was pending; switch it back on.
            Change(slot, Interest.Readable);
            return false;
        }

        return true;
    }

    /// <summary>False for a Writable edge with nothing to write and no read owed: no receive needed.</summary>
    private bool MustRead(in Connection c, Readiness readiness) =>
        !_edge || c.ReadDeferred || (readiness & (Readiness.Readable | Readiness.ReadClosed | Readiness.Error)) != 0;

    /// <summary>Receives and echoes as the read strategy in the remarks says, until the echo blocks or the connection ends.</summary>
    private void ReadAndEcho(int slot, ref Connection c, Readiness readiness)
    {
        c.ReadDeferred = false;
        var buffer = _buffer;
        while (true)
        {
            var n = SocketIO.Receive(c.Handle!, buffer, out var error);
            if (n <= 0)
            {
                if (n < 0 && error == SocketError.WouldBlock)
                {
                    return;
                }

                Close(slot); // end of stream, or the connection failed
                return;
            }

            var echoed = Echo(ref c, buffer.AsSpan(0, n));
            if (echoed != Progress.Done)
            {
                HoldBack(slot, ref c, echoed);
                return;
            }

            if (ReadEnough(n, readiness))
            {
                return;
            }
        }
    }

    /// <summary>After an echo that did not go through: closes a failed connection, else stops reading until the rest is flushed.</summary>
    private void HoldBack(int slot, ref Connection c, Progress echoed)
    {
        if (echoed == Progress.Failed)
        {
            Close(slot);
        }
        else if (_edge)
        {
            c.ReadDeferred = true; // the Writable edge flushes, then reads on
        }
        else
        {
            Change(slot, Interest.Writable); // back-pressure: no reading until flushed
        }
    }

    /// <summary>See the remarks: level reads once; edge stops at a short read where that is safe.</summary>
    private bool ReadEnough(int received, Readiness readiness) =>
        !_edge || (_shortReadDrains && received < _buffer.Length && (readiness & (Readiness.ReadClosed | Readiness.Error)) == 0);

    private enum Progress
    {
        Done,
        Blocked,
        Failed,
    }

    /// <summary>Sends <paramref name="data"/>; what does not fit is kept in the connection's pending buffer.</summary>
    private static Progress Echo(ref Connection c, ReadOnlySpan<byte> data)
    {
        var sent = SocketIO.Send(c.Handle!, data, out var error);
        if (sent == data.Length)
        {
            return Progress.Done;
        }

        if (sent < 0)
        {
            if (error != SocketError.WouldBlock)
            {
                return Progress.Failed;
            }

            sent = 0;
        }

        Keep(ref c, data[sent..]);
        return Progress.Blocked;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Keep(ref Connection c, ReadOnlySpan<byte> rest)
    {
        if (c.Pending is null || c.Pending.Length < rest.Length)
        {
            c.Pending = new byte[Math.Max(rest.Length, 4096)];
        }

        rest.CopyTo(c.Pending);
        c.PendingStart = 0;
        c.PendingEnd = rest.Length;
    }

    private static Progress Flush(ref Connection c)
    {
        while (c.HasPending)
        {
            var sent = SocketIO.Send(c.Handle!, c.Pending.AsSpan(c.PendingStart, c.PendingEnd - c.PendingStart), out var error);
            if (sent < 0)
            {
                return error == SocketError.WouldBlock ? Progress.Blocked : Progress.Failed;
            }

            c.PendingStart += sent;
        }

        c.PendingStart = c.PendingEnd = 0;
        return Progress.Done;
    }

    private void AcceptAll()
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = _listener.Accept();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted or SocketError.Interrupted)
            {
                if (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    return;
                }

                continue;
            }
            catch (SocketException e) when (AcceptReserve.IsExhaustion(e))
            {
                OutOfDescriptors();
                return;
            }

            if (!AcceptReserve.Admit(accepted))
            {
                Warn(1);
                continue;
            }

            Add(accepted);
        }
    }

    /// <summary>
    /// Accept ran out of descriptors: the connections being served go on; the waiting ones are closed
    /// cleanly through the spare descriptor (<see cref="AcceptReserve"/>).
    /// </summary>
    private void OutOfDescriptors() => Warn(_reserve.Exhausted(_listener));

    /// <summary>Refused connections are logged one line a second at most, however many there are.</summary>
    private void Warn(int refused)
    {
        var now = Environment.TickCount64;
        if (now - _lastWarning >= 1000)
        {
            _lastWarning = now;
            Console.Error.WriteLine($"echo server: warning: out of descriptors with {_used - _freeCount} connections open; closed {refused} new connection(s)");
        }
    }

    private void Add(Socket socket)
    {
        var slot = _freeCount > 0 ? _free[--_freeCount] : _used++;
        if (slot == _connections.Length)
        {
            Array.Resize(ref _connections, slot * 2);
            Array.Resize(ref _free, slot * 2);
        }

        try
        {
            socket.Blocking = false;
            socket.NoDelay = true;
            var interest = _edge ? Interest.Readable | Interest.Writable : Interest.Readable;
            _poll.Registry.Register(socket, new Token(FirstConnection + (ulong)slot), interest, _mode);
        }
        catch (Exception e) when (e is SocketException or EventQueueException)
        {
            Console.Error.WriteLine($"echo server: dropping a connection: {e.Message}");
            socket.Dispose();
            _free[_freeCount++] = slot;
            return;
        }

        _connections[slot] = new Connection { Socket = socket, Handle = socket.SafeHandle };
        if (_edge)
        {
            // Bytes may have arrived before the registration: an edge that came before it is not reported.
            Service(slot, new Event(new Token(FirstConnection + (ulong)slot), Readiness.Readable));
        }
    }

    private void Change(int slot, Interest interest)
    {
        try
        {
            _poll.Registry.Reregister(_connections[slot].Socket!, new Token(FirstConnection + (ulong)slot), interest, _mode);
        }
        catch (EventQueueException)
        {
            Close(slot);
        }
    }

    private void Close(int slot)
    {
        ref var c = ref _connections[slot];
        var socket = c.Socket!;
        try
        {
            _poll.Registry.Deregister(socket);
        }
        catch (EventQueueException)
        {
            // the kernel forgot it already; closing below is all that is left to do
        }

        socket.Dispose();
        c = default;
        _free[_freeCount++] = slot;
    }
}
