using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace EporeX.Tests.Async;

/// <summary>
/// What an accepted connection is besides its AsyncFd, on every backend and endpoint kind: its addresses
/// (read from the kernel, no Socket built), a Socket view built on demand that shares the descriptor, and
/// a close that is graceful — everything written reaches the peer, then the end of the stream, never a
/// reset (a SafeSocketHandle disposed without its Socket would reset the connection and drop what the
/// kernel still held).
/// </summary>
public sealed class AcceptedConnectionTests
{
    public static TheoryData<string, string, bool> BackendsEndpointsAndViews()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var (backend, kind) in ListenerClients.BackendsWithEndpoints().Select(row => ((string)row[0], (string)row[1])))
        {
            data.Add(backend, kind, false);
            data.Add(backend, kind, true);
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(BackendsEndpointsAndViews))]
    public async Task Dispose_closes_gracefully_after_every_byte_written(string backend, string kind, bool withSocketView)
    {
        const int Size = 8 << 20; // more than the socket buffers hold: much of it is still in the kernel at Dispose
        var endPoint = ListenerClients.Endpoint(kind);
        await using var group = Groups.Open(backend, 1);
        await using var listener = EventLoopListener.Bind(group, endPoint);
        using var client = ListenerClients.NewClient(listener.LocalEndPoint);
        await client.ConnectAsync(listener.LocalEndPoint).WaitAsync(AsyncLoops.Patience);
        var connection = await AsyncLoops.Within(listener.AcceptAsync());
        var payload = Enumerable.Range(0, Size).Select(i => (byte)(i * 31 + 7)).ToArray();

        var reading = Task.Run(async () =>
        {
            var received = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await client.ReceiveAsync(buffer)) > 0) // a reset throws here
            {
                received.Write(buffer, 0, n);
            }

            return received.ToArray();
        });

        await connection.Fd.WriteAllAsync(payload).AsTask().WaitAsync(AsyncLoops.Patience * 4);
        if (withSocketView)
        {
            Assert.Equal(listener.LocalEndPoint.AddressFamily, connection.Socket.AddressFamily);
            if (kind != "unix")
            {
                Assert.True(connection.Socket.NoDelay, "the view reads the options of the same socket (the listener set TCP_NODELAY)");
            }

            connection.Socket.Dispose(); // a view: disposing it closes nothing
            await AsyncLoops.Within(connection.Fd.WriteAllAsync("tail"u8.ToArray()));
        }

        connection.Dispose();
        var got = await reading.WaitAsync(AsyncLoops.Patience * 4);
        Assert.Equal(payload.Length + (withSocketView ? 4 : 0), got.Length);
        Assert.True(payload.AsSpan().SequenceEqual(got.AsSpan(0, payload.Length)), "the bytes differ");
    }

    [SkippableTheory]
    [MemberData(nameof(ListenerClients.BackendsWithEndpoints), MemberType = typeof(ListenerClients))]
    public async Task The_addresses_are_the_connections_own_and_the_socket_view_agrees(string backend, string kind)
    {
        var endPoint = ListenerClients.Endpoint(kind);
        await using var group = Groups.Open(backend, 1);
        await using var listener = EventLoopListener.Bind(group, endPoint);
        using var client = ListenerClients.NewClient(listener.LocalEndPoint);
        await client.ConnectAsync(listener.LocalEndPoint).WaitAsync(AsyncLoops.Patience);
        var connection = await AsyncLoops.Within(listener.AcceptAsync());

        Assert.Equal(client.RemoteEndPoint, connection.LocalEndPoint);
        if (kind != "unix")
        {
            Assert.Equal(client.LocalEndPoint, connection.RemoteEndPoint); // an unnamed Unix client has no address to compare
        }

        Assert.Same(connection.Socket, connection.Socket); // built once
        Assert.Equal(connection.LocalEndPoint, connection.Socket.LocalEndPoint);
        Assert.Equal(connection.Fd.Descriptor, (int)connection.Socket.SafeHandle.DangerousGetHandle());

        connection.Dispose();
        Assert.Throws<ObjectDisposedException>(() => connection.Socket);
        Assert.Throws<ObjectDisposedException>(() => connection.LocalEndPoint);
        Assert.Throws<ObjectDisposedException>(() => connection.RemoteEndPoint);
        Assert.Equal(0, ListenerClients.ReceiveOrReset(client, new byte[1])); // end of stream, not a reset
    }
}
