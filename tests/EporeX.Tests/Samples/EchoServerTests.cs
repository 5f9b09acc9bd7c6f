using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// The echo servers as child processes on every backend: the two samples a user copies (samples/EchoServer,
/// samples/AsyncEchoServer) and every strategy of the measured harness (bench/EchoBench). Small messages,
/// messages larger than their read buffers and than the socket buffers (partial writes, backpressure,
/// several reads per readiness; edge backends exercise the short-read rule), several clients at once, a
/// clean close when a client shuts down, and exit status 0 on SIGTERM.
/// </summary>
public sealed class EchoServerTests
{
    /// <summary>Every backend crossed with each server and its modes (the harness's flags after its name).</summary>
    public static TheoryData<string, string> Servers()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends.All())
        {
            foreach (var server in new[]
            {
                "EchoServer", "AsyncEchoServer --loops 2", "AsyncEchoServer --loops 2 --pipe",
                "EchoBench", "EchoBench --loops 2", "EchoBench --async", "EchoBench --async --inline", "EchoBench --async --read-async",
                "EchoBench --async --pipe", "EchoBench --async --pipe --inline", "EchoBench --async --loops 2", "EchoBench --async --loops 2 --pipe",
            })
            {
                data.Add(backend, server);
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public async Task Every_byte_comes_back_and_a_shutdown_closes_the_connection(string backend, string server)
    {
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here
        var words = server.Split(' ');
        using var child = ChildServer.Start(words[0], [.. words[1..], "--backend", backend, "--port", Loopback.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--seconds", "120"]);
        using var clients = new ClientSet(child.Port, count: 3);
        foreach (var size in new[] { 1, 64, 70_000, 3_000_000 })
        {
            // All clients at once: with two loops they are served on different threads.
            await Task.WhenAll(clients.Sockets.Select(client => RoundTripAsync(client, size))).WaitAsync(Waiting.Arrives * 2);
        }

        var first = clients.Sockets[0];
        first.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, first.Receive(new byte[1])); // the server closed its side in turn
        await RoundTripAsync(clients.Sockets[1], 100); // and served the others on

        Assert.Equal(0, child.Terminate());
    }

    [Theory]
    [InlineData("--port 1 --inline")]
    [InlineData("--port 1 --async --pipe --read-async")]
    [InlineData("--port 1 --async --loops 2 --read-async")]
    [InlineData("--port 1 --pipe")]
    [InlineData("--async")]
    public void The_harness_refuses_flags_that_do_not_go_together(string line)
    {
        var run = SampleProcess.Run("EchoBench", Waiting.Arrives * 2, line.Split(' '));
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("usage: EchoBench", run.Errors, StringComparison.Ordinal);
    }

    private static async Task RoundTripAsync(Socket client, int size)
    {
        var message = Enumerable.Range(0, size).Select(i => (byte)(i * 7 + size + client.GetHashCode())).ToArray();
        var echoed = new byte[size];
        var sender = client.SendAsync(message, SocketFlags.None); // at once: 3 MB does not fit in the socket buffers
        var received = 0;
        while (received < size)
        {
            var n = await client.ReceiveAsync(echoed.AsMemory(received), SocketFlags.None).AsTask().WaitAsync(Waiting.Arrives);
            Assert.True(n > 0, $"connection closed after {received} of {size} bytes");
            received += n;
        }

        Assert.Equal(size, await sender.WaitAsync(Waiting.Arrives));
        Assert.Equal(message, echoed);
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
