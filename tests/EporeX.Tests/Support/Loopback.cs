using System.Net;
using System.Net.Sockets;

namespace EporeX.Tests.Support;

/// <summary>TCP on 127.0.0.1 for tests: connected pairs (blocking, as .NET creates them; the listener closed at once), free ports, and connects started without blocking.</summary>
public static class Loopback
{
    /// <summary>A client socket and the server's accepted end of the same connection.</summary>
    public static (Socket Client, Socket Server) ConnectedPair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        return (client, listener.Accept());
    }

    /// <summary>
    /// A port on 127.0.0.1 that was free a moment ago, for a child server that must be told its port (one
    /// with several SO_REUSEPORT sockets cannot ask for port 0). The kernel hands out ephemeral ports in
    /// turn, so another test is unlikely to be given it in between.
    /// </summary>
    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Starts a non-blocking connect: in progress (or done) on return, its outcome reported by readiness.</summary>
    public static void StartConnect(Socket client, EndPoint endpoint)
    {
        try
        {
            client.Connect(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
        }
    }

    /// <summary>A non-blocking client connecting to a 127.0.0.1 port nobody listens on: its connect is refused.</summary>
    public static Socket ConnectingToClosedPort()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        StartConnect(client, new IPEndPoint(IPAddress.Loopback, FreePort()));
        return client;
    }
}
