using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Samples.EchoServer;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// The async echo server allocates nothing per message in steady state: the connection's buffer is reused,
/// its handler's state machine was boxed at its first await, and every await the loop completes is pooled
/// (how it is counted: <see cref="EchoAllocations"/>).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class AsyncEchoAllocationTests
{
    [SkippableTheory]
    [MemberData(nameof(EchoServerTests.AsyncModes), MemberType = typeof(EchoServerTests))]
    public async Task A_message_allocates_nothing_in_steady_state(string backend, string mode)
    {
        Backends.Open(backend).Dispose();
        var options = new EventLoopOptions { Backend = backend, InlineContinuations = mode is "inline" or "pipe-inline" };
        var server = new AsyncEchoServer(options, port: 0, readAsync: mode == "read-async", pipe: mode.StartsWith("pipe", StringComparison.Ordinal));
        using var stop = new CancellationTokenSource(Waiting.Arrives * 6);
        var run = server.RunAsync(stop.Token);
        try
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            {
                NoDelay = true,
                ReceiveTimeout = (int)Waiting.Arrives.TotalMilliseconds,
            };
            client.Connect(new IPEndPoint(IPAddress.Loopback, server.Port));
            EchoAllocations.AssertNonePerMessage(client);
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(Waiting.Arrives);
            await server.DisposeAsync();
        }
    }
}
