using System;
using System.Net.Sockets;

namespace EporeX.Samples.HostedWorker;

/// <summary>One echo connection: reads what arrived, writes it back, and keeps what the socket refused.</summary>
internal sealed class Connection(Socket socket, Token token, Registry registry)
{
    private byte[] _pending = [];
    private int _pendingCount;

    public Socket Socket { get; } = socket;

    public Token Token { get; } = token;

    /// <summary>Handles one readiness event; false when the connection is finished.</summary>
    public bool Serve(byte[] buffer)
    {
        if (_pendingCount > 0 && !Flush())
        {
            return false;
        }

        while (_pendingCount == 0)
        {
            var read = Socket.Receive(buffer, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                return true;
            }

            if (error != SocketError.Success || read == 0)
            {
                return false; // reset, or the peer finished
            }

            Keep(buffer.AsSpan(0, read));
            if (!Flush())
            {
                return false;
            }
        }

        return true;
    }

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (_pending.Length < data.Length)
        {
            _pending = new byte[data.Length];
        }

        data.CopyTo(_pending);
        _pendingCount = data.Length;
    }

    // Writes what is pending; while some is left, waits for Writable instead of Readable.
    private bool Flush()
    {
        var sent = 0;
        while (sent < _pendingCount)
        {
            var n = Socket.Send(_pending, sent, _pendingCount - sent, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                Array.Copy(_pending, sent, _pending, 0, _pendingCount - sent);
                _pendingCount -= sent;
                registry.Reregister(Socket, Token, Interest.Writable);
                return true;
            }

            if (error != SocketError.Success)
            {
                return false;
            }

            sent += n;
        }

        if (_pendingCount > 0)
        {
            _pendingCount = 0;
            registry.Reregister(Socket, Token, Interest.Readable);
        }

        return true;
    }
}
