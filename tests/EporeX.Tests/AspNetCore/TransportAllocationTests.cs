using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Microsoft.AspNetCore.Connections;

namespace EporeX.Tests.AspNetCore;

/// <summary>
/// The transport allocates nothing per message in steady state: a connection handler that echoes over
/// <c>ConnectionContext.Transport</c> (no HTTP, so only the transport and the pipes are measured), counted
/// as <see cref="EchoAllocations"/> does.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class TransportAllocationTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithFalseAndTrue), MemberType = typeof(Backends))]
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
        EchoAllocations.AssertNonePerMessage(client);
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
}
