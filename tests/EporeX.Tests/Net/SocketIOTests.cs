using System;
using System.Net.Sockets;
using EporeX.Net;
using EporeX.Tests.Support;
using EporeX.Unix;

namespace EporeX.Tests.Net;

/// <summary>SocketIO on loopback TCP sockets left in blocking mode: every call must return at once all the same.</summary>
public sealed class SocketIOTests : IDisposable
{
    private readonly Socket _local;
    private readonly Socket _peer;

    public SocketIOTests()
    {
        (_peer, _local) = Loopback.ConnectedPair();
        _peer.ReceiveTimeout = (int)Waiting.Arrives.TotalMilliseconds;
    }

    [Fact]
    public void Receive_on_an_empty_blocking_socket_returns_WouldBlock()
    {
        Assert.True(_local.Blocking);
        Assert.Equal(-1, SocketIO.Receive(_local, new byte[16], out var error));
        Assert.Equal(SocketError.WouldBlock, error);
    }

    [Fact]
    public void Bytes_sent_are_the_bytes_received()
    {
        byte[] message = [1, 2, 3, 4, 5];
        Assert.Equal(5, SocketIO.Send(_local, message, out var sendError));
        Assert.Equal(SocketError.Success, sendError);

        var echoed = new byte[16];
        Assert.Equal(5, _peer.Receive(echoed));
        Assert.Equal(message, echoed[..5]);

        _peer.Send(message);
        var received = new byte[16];
        var n = ReceiveSoon(received, out var error);
        Assert.Equal(SocketError.Success, error);
        Assert.Equal(message, received[..n]);
    }

    [Fact]
    public void A_peer_shutdown_is_zero_bytes_without_error()
    {
        _peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, ReceiveSoon(new byte[16], out var error));
        Assert.Equal(SocketError.Success, error);
    }

    [Fact]
    public void Sending_to_a_closed_peer_is_an_error_code_not_a_signal()
    {
        _peer.LingerState = new LingerOption(true, 0); // close with RST
        _peer.Close();
        var data = new byte[1024];
        var error = SocketError.Success;
        for (var i = 0; i < 1000 && error == SocketError.Success; i++)
        {
            SocketIO.Send(_local, data, out error);
        }

        Assert.Contains(error, new[] { SocketError.ConnectionReset, SocketError.Shutdown });
    }

    [Fact]
    public void A_full_socket_takes_part_then_says_WouldBlock_without_blocking()
    {
        var chunk = new byte[1 << 20];
        var total = 0L;
        int sent;
        SocketError error;
        while ((sent = SocketIO.Send(_local, chunk, out error)) > 0)
        {
            total += sent;
            Assert.True(total < 256L << 20, "the socket never filled up");
        }

        Assert.Equal(-1, sent);
        Assert.Equal(SocketError.WouldBlock, error);
        Assert.True(total > 0);
    }

    [Fact]
    public void A_disposed_socket_throws_ObjectDisposedException()
    {
        _local.Dispose();
        Assert.Throws<ObjectDisposedException>(() => SocketIO.Receive(_local, new byte[1], out _));
        Assert.Throws<ObjectDisposedException>(() => SocketIO.Send(_local.SafeHandle, new byte[1], out _));
    }

    [Fact]
    public void Raw_descriptors_report_errors_as_codes()
    {
        Assert.Equal(-1, SocketIO.Receive(-1, new byte[1], out var closed));
        Assert.Equal(SocketError.OperationAborted, closed);

        var (read, write) = Native.Pipe();
        try
        {
            Assert.Equal(-1, SocketIO.Send(write, new byte[1], out var notSocket));
            Assert.Equal(SocketError.NotSocket, notSocket);
        }
        finally
        {
            Native.Close(read);
            Native.Close(write);
        }
    }

    [SkippableTheory]
    [InlineData(104, SocketError.ConnectionReset)]
    [InlineData(32, SocketError.Shutdown)]
    [InlineData(107, SocketError.NotConnected)]
    [InlineData(110, SocketError.TimedOut)]
    [InlineData(4, SocketError.Interrupted)]
    [InlineData(9999, SocketError.SocketError)]
    public void Linux_errno_values_map_as_dotnet_sockets_map_them(int errno, SocketError expected)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux errno numbers");
        Assert.Equal(expected, SocketErrors.FromErrno(errno));
    }

    public void Dispose()
    {
        _local.Dispose();
        _peer.Dispose();
    }

    /// <summary>Receives once data has crossed loopback (it may take a moment on a loaded machine).</summary>
    private int ReceiveSoon(byte[] buffer, out SocketError error)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        int n;
        while ((n = SocketIO.Receive(_local, buffer, out error)) < 0 && error == SocketError.WouldBlock && stopwatch.Elapsed < Waiting.Arrives)
        {
            System.Threading.Thread.Sleep(1);
        }

        return n;
    }
}
