using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using EporeX.Samples.EchoServer;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// The echo sample's loop, in-process on every backend: small messages, messages larger than its 64 KiB
/// read buffer and than the socket buffers (partial writes, Writable interest, several reads per
/// readiness), and a clean close when the client shuts down. Edge backends exercise the short-read rule.
/// </summary>
public sealed class EchoServerTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Every_byte_comes_back_and_a_shutdown_closes_the_connection(string backend)
    {
        using var loop = new EchoLoop(Backends.Open(backend), port: 0, reusePort: false);
        var deadline = Environment.TickCount64 + (long)(Waiting.Arrives.TotalMilliseconds * 4);
        var server = new Thread(() => loop.Run(deadline)) { IsBackground = true };
        server.Start();
        try
        {
            using var clients = new ClientSet(loop.Port, count: 3);
            foreach (var size in new[] { 1, 64, 70_000, 3_000_000 })
            {
                foreach (var client in clients.Sockets)
                {
                    var message = Enumerable.Range(0, size).Select(i => (byte)(i * 7 + size)).ToArray();
                    var echoed = new byte[size];
                    var sender = new Thread(() => client.Send(message)) { IsBackground = true };
                    sender.Start(); // send and receive at once: 3 MB does not fit in the socket buffers
                    var received = 0;
                    while (received < size)
                    {
                        var n = client.Receive(echoed, received, size - received, SocketFlags.None);
                        Assert.True(n > 0, $"connection closed after {received} of {size} bytes");
                        received += n;
                    }

                    Assert.True(sender.Join(Waiting.Arrives), "the send did not finish");
                    Assert.Equal(message, echoed);
                }
            }

            var first = clients.Sockets[0];
            first.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, first.Receive(new byte[1])); // the server closed its side in turn
        }
        finally
        {
            loop.Stop();
            Assert.True(server.Join(Waiting.Arrives), "the loop did not stop");
        }
    }

    private sealed class ClientSet : IDisposable
    {
        public ClientSet(int port, int count)
        {
            Sockets = new Socket[count];
            for (var i = 0; i < count; i++)
            {
                Sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
                {
                    ReceiveTimeout = (int)Waiting.Arrives.TotalMilliseconds,
                    SendTimeout = (int)Waiting.Arrives.TotalMilliseconds,
                };
                Sockets[i].Connect(new IPEndPoint(IPAddress.Loopback, port));
            }
        }

        public Socket[] Sockets { get; }

        public void Dispose()
        {
            foreach (var socket in Sockets)
            {
                socket.Dispose();
            }
        }
    }
}
