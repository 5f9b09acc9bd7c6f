using System;
using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Microsoft.AspNetCore.Connections;

namespace EporeX.Tests.AspNetCore;

/// <summary>
/// The transport allocates nothing per message in steady state: a connection handler that echoes over
/// <c>ConnectionContext.Transport</c> (no HTTP, so only the transport and the pipes are measured), counted
/// process-wide over windows as the echo samples' allocation tests do (see <c>AsyncEchoAllocationTests</c>
/// for the 8 B bound and why one window of ten must be clean).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class TransportAllocationTests
{
    private const int Messages = 2_000;
    private const int Windows = 10;
    private const int BytesPerMessageBound = 8;

    public static TheoryData<string, bool> BackendsAndScheduling()
    {
        var data = new TheoryData<string, bool>();
        foreach (var backend in Backends.All())
        {
            data.Add(backend, false);
            data.Add(backend, true);
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(BackendsAndScheduling))]
    public async Task An_echoed_message_allocates_nothing_in_steady_state(string backend, bool inline)
    {
        await using var host = await KestrelHost.StartAsync(
            backend,
            _ => { },
            transport: o => o.InlineScheduling = inline,
            listen: l => l.Run(EchoAsync));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)Waiting.Long.TotalMilliseconds,
        };
        client.Connect(host.EndPoint);
        var message = new byte[64];
        var echoed = new byte[64];
        RoundTrips(client, message, echoed, 1_000); // warm-up: tiering, pools, the handler's first await

        var seen = new long[Windows];
        for (var w = 0; w < Windows; w++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            RoundTrips(client, message, echoed, Messages);
            seen[w] = GC.GetTotalAllocatedBytes(precise: true) - before;
            if (seen[w] < Messages * BytesPerMessageBound)
            {
                return;
            }
        }

        Assert.Fail($"every window of {Messages} messages allocated: {string.Join(", ", seen)} B");
    }

    private static async Task EchoAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var read = await input.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                segment.Span.CopyTo(output.GetSpan(segment.Length));
                output.Advance(segment.Length);
            }

            input.AdvanceTo(read.Buffer.End);
            var flushed = await output.FlushAsync();
            if (read.IsCompleted || flushed.IsCompleted)
            {
                return;
            }
        }
    }

    private static void RoundTrips(Socket client, byte[] message, byte[] echoed, int count)
    {
        for (var i = 0; i < count; i++)
        {
            client.Send(message);
            var received = 0;
            while (received < echoed.Length)
            {
                var n = client.Receive(echoed, received, echoed.Length - received, SocketFlags.None);
                Assert.True(n > 0, "the server closed the connection");
                received += n;
            }
        }
    }
}
