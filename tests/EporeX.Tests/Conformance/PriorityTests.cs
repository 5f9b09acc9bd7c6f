using System.Net.Sockets;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

public sealed class PriorityTests
{
    private static readonly Token T = new(5);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Tcp_out_of_band_data_is_priority(string backend)
    {
        using var poll = Backends.Open(backend);
        Skip.IfNot(poll.Capabilities.Supports(Interest.Priority), $"{backend} cannot watch Interest.Priority ({poll.Capabilities})");
        var (client, server) = Loopback.ConnectedPair();
        using var clientEnd = client;
        using var serverEnd = server;
        poll.Registry.Register(server, T, Interest.Priority);
        poll.AssertQuiet(T);

        client.Send([42], SocketFlags.OutOfBand);

        var e = poll.WaitFor(T);
        Assert.True(e.IsPriority, e.ToString());
        Assert.False(e.IsWritable, e.ToString());
    }
}
