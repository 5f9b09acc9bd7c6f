using System.Net;
using System.Net.Sockets;

namespace EporeX.FaultDriver;

/// <summary>TCP over 127.0.0.1: a listener on a port the kernel picks, and connected pairs.</summary>
internal static class Loopback
{
    public static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        return listener;
    }

    /// <summary>A client connected to <paramref name="listener"/> (the handshake completes in the backlog, before any accept).</summary>
    public static Socket Connect(Socket listener)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect((IPEndPoint)listener.LocalEndPoint!);
        return client;
    }
}
