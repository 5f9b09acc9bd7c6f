using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Samples.EchoServer;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// The echo sample's loop, in-process on every backend: small messages, messages larger than its 64 KiB
/// read buffer and than the socket buffers (partial writes, Writable interest, several reads per
/// readiness), and a clean close when the client shuts down. Edge backends exercise the short-read rule.
/// The async server (<c>--async</c>) is held to the same, in each of its three handler modes.
/// </summary>
public sealed class EchoServerTests
{
    /// <summary>Every backend crossed with the async server's modes: default and inline continuations, and the plain ReadAsync handler.</summary>
    public static TheoryData<string, string> AsyncModes()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in Backends.All())
        {
            foreach (var mode in new[] { "default", "inline", "read-async", "pipe", "pipe-inline" })
            {
                data.Add(backend, mode);
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
    public async Task The_async_server_on_two_loops_echoes_every_byte_of_many_connections(string backend, bool pipe)
    {
        Backends.Open(backend).Dispose();
        await using var server = new GroupEchoServer(new EchoOptions(Port: 0, backend, Seconds: 60, Loops: 2, Async: true, Pipe: pipe));
        var port = server.Port;
        using var stop = new CancellationTokenSource();
        var run = server.RunAsync(stop.Token);
        try
        {
            using var clients = new ClientSet(port, count: 20);
            foreach (var client in clients.Sockets)
            {
                var message = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 13 + client.GetHashCode())).ToArray();
                var sender = Task.Run(() => client.Send(message));
                var echoed = new byte[message.Length];
                var received = 0;
                while (received < echoed.Length)
                {
                    var n = await client.ReceiveAsync(echoed.AsMemory(received), SocketFlags.None).AsTask().WaitAsync(Waiting.Arrives);
                    Assert.True(n > 0, $"connection closed after {received} bytes");
                    received += n;
                }

                await sender.WaitAsync(Waiting.Arrives);
                Assert.Equal(message, echoed);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(Waiting.Arrives);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncModes))]
    public async Task The_async_server_echoes_every_byte_and_closes_on_shutdown(string backend, string mode)
    {
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here
        var options = new EventLoopOptions { Backend = backend, InlineContinuations = mode is "inline" or "pipe-inline" };
        var server = new AsyncEchoServer(options, port: 0, readAsync: mode == "read-async", pipe: mode.StartsWith("pipe", StringComparison.Ordinal));
        using var stop = new CancellationTokenSource(Waiting.Arrives * 4);
        var run = server.RunAsync(stop.Token);
        try
        {
            using var clients = new ClientSet(server.Port, count: 3);
            foreach (var size in new[] { 1, 64, 70_000, 3_000_000 })
            {
                foreach (var client in clients.Sockets)
                {
                    var message = Enumerable.Range(0, size).Select(i => (byte)(i * 7 + size)).ToArray();
                    var echoed = new byte[size];
                    var sender = Task.Run(() => client.Send(message)); // 3 MB does not fit in the socket buffers
                    var received = 0;
                    while (received < size)
                    {
                        var n = await client.ReceiveAsync(echoed.AsMemory(received), SocketFlags.None).AsTask().WaitAsync(Waiting.Arrives);
                        Assert.True(n > 0, $"connection closed after {received} of {size} bytes");
                        received += n;
                    }

                    await sender.WaitAsync(Waiting.Arrives);
                    Assert.Equal(message, echoed);
                }
            }

            Assert.Equal(3, server.Connections);
            var first = clients.Sockets[0];
            first.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, first.Receive(new byte[1])); // the server closed its side in turn
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(Waiting.Arrives);
            await server.DisposeAsync();
        }

        // Every handler ends when the loop is disposed (its pending await faults), on its own thread.
        Assert.True(SpinWait.SpinUntil(() => server.Connections == 0, Waiting.Arrives), $"{server.Connections} handlers still run");
    }

    [Theory]
    [InlineData("--port 1 --async", true, false)]
    [InlineData("--port 1 --async --inline", true, true)]
    [InlineData("--inline --async --port 1 --seconds 5", true, true)]
    [InlineData("--port 1", false, false)]
    public void Async_flags_parse(string line, bool isAsync, bool inline)
    {
        var options = EchoOptions.Parse(line.Split(' '));
        Assert.NotNull(options);
        Assert.Equal((isAsync, inline), (options.Async, options.Inline));
    }

    [Theory]
    [InlineData("--port 1 --inline")]
    [InlineData("--port 1 --async --pipe --read-async")]
    [InlineData("--port 1 --async --loops 2 --read-async")]
    [InlineData("--port 1 --pipe")]
    [InlineData("--port 1 --read-async")]
    public void Async_flag_misuse_is_a_usage_error(string line) => Assert.Null(EchoOptions.Parse(line.Split(' ')));

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
