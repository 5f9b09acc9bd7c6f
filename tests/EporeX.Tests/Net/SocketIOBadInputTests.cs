using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EporeX.Net;
using EporeX.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Net;

/// <summary>SocketIO's rows of the error table: null, disposed and invalid arguments throw; a bad raw descriptor is an error code.</summary>
public sealed class SocketIOBadInputTests
{
    [Fact]
    public void A_null_socket_or_handle_is_ArgumentNullException()
    {
        var buffer = new byte[4];
        Assert.Throws<ArgumentNullException>(() => SocketIO.Receive((Socket)null!, buffer, out _));
        Assert.Throws<ArgumentNullException>(() => SocketIO.Send((Socket)null!, buffer, out _));
        Assert.Throws<ArgumentNullException>(() => SocketIO.Receive((SafeHandle)null!, buffer, out _));
        Assert.Throws<ArgumentNullException>(() => SocketIO.Send((SafeHandle)null!, buffer, out _));
    }

    [Fact]
    public void A_disposed_socket_or_closed_handle_is_ObjectDisposedException()
    {
        var buffer = new byte[4];
        var (local, peer) = Loopback.ConnectedPair();
        using (peer)
        {
            var handle = local.SafeHandle;
            local.Dispose();
            Assert.Throws<ObjectDisposedException>(() => SocketIO.Receive(local, buffer, out _));
            Assert.Throws<ObjectDisposedException>(() => SocketIO.Send(local, buffer, out _));
            Assert.Throws<ObjectDisposedException>(() => SocketIO.Receive(handle, buffer, out _));
            Assert.Throws<ObjectDisposedException>(() => SocketIO.Send(handle, buffer, out _));
        }
    }

    [Fact]
    public void An_invalid_handle_is_ArgumentException()
    {
        var buffer = new byte[4];
        using var invalid = new SafeFileHandle(-1, ownsHandle: false);
        Assert.Throws<ArgumentException>(() => SocketIO.Receive(invalid, buffer, out _));
        Assert.Throws<ArgumentException>(() => SocketIO.Send(invalid, buffer, out _));
    }

    [Fact]
    public void A_closed_or_non_socket_raw_descriptor_is_an_error_code_not_an_exception()
    {
        var buffer = new byte[4];
        const int closed = int.MaxValue; // above any descriptor limit: never open (a freed number could be reused by a parallel test)
        Assert.Equal(-1, SocketIO.Receive(closed, buffer, out var receiveError));
        Assert.Equal(SocketError.OperationAborted, receiveError);
        Assert.Equal(-1, SocketIO.Send(closed, buffer, out var sendError));
        Assert.Equal(SocketError.OperationAborted, sendError);

        using var file = System.IO.File.OpenHandle("/dev/null");
        Assert.Equal(-1, SocketIO.Receive(file, buffer, out var notSocket));
        Assert.Equal(SocketError.NotSocket, notSocket);
        Assert.Equal(-1, SocketIO.Send(file, buffer, out notSocket));
        Assert.Equal(SocketError.NotSocket, notSocket);
    }
}
