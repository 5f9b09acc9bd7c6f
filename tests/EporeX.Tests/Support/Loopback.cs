using System.Net;
using System.Net.Sockets;

namespace EporeX.Tests.Support;

/// <summary>Connected TCP sockets on 127.0.0.1, blocking as .NET creates them; the listener is closed at once.</summary>
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
}
