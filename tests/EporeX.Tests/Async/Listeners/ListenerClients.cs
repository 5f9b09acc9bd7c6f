using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Tests.Async;

/// <summary>Endpoints to listen on, client sockets, and the server callbacks the listener tests use.</summary>
public static class ListenerClients
{
    /// <summary>Every backend crossed with each endpoint kind a listener serves.</summary>
    public static TheoryData<string, string> BackendsWithEndpoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var provider in EventQueue.CreateProviders())
        {
            foreach (var kind in new[] { "tcp4", "tcp6", "unix" })
            {
                data.Add(provider.Name, kind);
            }
        }

        return data;
    }

    /// <summary>Every backend crossed with both distributions.</summary>
    public static TheoryData<string, ListenerDistribution> BackendsWithDistributions()
    {
        var data = new TheoryData<string, ListenerDistribution>();
        foreach (var provider in EventQueue.CreateProviders())
        {
            data.Add(provider.Name, ListenerDistribution.Acceptor);
            data.Add(provider.Name, ListenerDistribution.ReusePort);
        }

        return data;
    }

    /// <summary>An endpoint of <paramref name="kind"/> to bind: port 0 on loopback, or a fresh path under the temp directory.</summary>
    public static EndPoint Endpoint(string kind) => kind switch
    {
        "tcp4" => new IPEndPoint(IPAddress.Loopback, 0),
        "tcp6" => Ipv6Loopback(),
        "unix" => new UnixDomainSocketEndPoint(Path.Combine(Path.GetTempPath(), $"eporex-{Guid.NewGuid():N}"[..20] + ".sock")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static Socket NewClient(EndPoint endPoint) => endPoint is UnixDomainSocketEndPoint
        ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
        : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>Server side: echoes until the peer closes.</summary>
    public static async ValueTask Echo(AcceptedConnection connection, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        int read;
        while ((read = await connection.Fd.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await connection.Fd.WriteAllAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    /// <summary>Client side: connects, sends <paramref name="message"/>, and returns what comes back (as long).</summary>
    public static async Task<byte[]> EchoAsync(EndPoint endPoint, byte[] message)
    {
        using var client = NewClient(endPoint);
        await client.ConnectAsync(endPoint);
        await client.SendAsync(message);
        return await ReceiveExactly(client, message.Length);
    }

    public static async Task<byte[]> ReceiveExactly(Socket socket, int count)
    {
        var received = new byte[count];
        var total = 0;
        while (total < count)
        {
            var read = await socket.ReceiveAsync(received.AsMemory(total));
            Assert.True(read > 0, $"the server closed after {total} of {count} bytes");
            total += read;
        }

        return received;
    }

    /// <summary>A blocking receive that must end within <see cref="AsyncLoops.Patience"/>: the byte count (0 at end-of-stream), or -1 on a reset.</summary>
    public static int ReceiveOrReset(Socket socket, byte[] buffer)
    {
        socket.ReceiveTimeout = (int)AsyncLoops.Patience.TotalMilliseconds;
        try
        {
            return socket.Receive(buffer);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return -1;
        }
    }

    private static IPEndPoint Ipv6Loopback()
    {
        Skip.IfNot(Socket.OSSupportsIPv6, "IPv6 is not supported here");
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        }
        catch (SocketException e)
        {
            Skip.If(true, $"::1 cannot be bound here: {e.SocketErrorCode}");
        }

        return new IPEndPoint(IPAddress.IPv6Loopback, 0);
    }
}
