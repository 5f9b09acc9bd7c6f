using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace EporeX.Tests.Async;

/// <summary>Bad input to EventLoopListener: each refused with a typed error.</summary>
public sealed class EventLoopListenerBadInputTests
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    [Fact]
    public async Task Bind_refuses_bad_arguments_with_typed_errors()
    {
        var group = new EventLoopGroup(new EventLoopGroupOptions { LoopCount = 1 });
        Assert.Throws<ArgumentNullException>(() => EventLoopListener.Bind(null!, AnyLoopbackPort));
        Assert.Throws<ArgumentNullException>(() => EventLoopListener.Bind(group, null!));
        Assert.Throws<ArgumentException>(() => EventLoopListener.Bind(group, new DnsEndPoint("localhost", 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventLoopListener.Bind(group, AnyLoopbackPort, new EventLoopListenerOptions { Backlog = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventLoopListener.Bind(group, AnyLoopbackPort, new EventLoopListenerOptions { AcceptQueueCapacity = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventLoopListener.Bind(group, AnyLoopbackPort, new EventLoopListenerOptions { MaxAcceptBackoff = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventLoopListener.Bind(group, AnyLoopbackPort, new EventLoopListenerOptions { Distribution = (ListenerDistribution)9 }));
        var unix = new UnixDomainSocketEndPoint(Path.Combine(Path.GetTempPath(), $"eporex-{Guid.NewGuid():N}"[..20] + ".sock"));
        Assert.Throws<NotSupportedException>(() => EventLoopListener.Bind(group, unix, new EventLoopListenerOptions { Distribution = ListenerDistribution.ReusePort }));
        Assert.False(File.Exists(unix.ToString()));

        using (var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            taken.Bind(AnyLoopbackPort);
            taken.Listen();
            var inUse = Assert.Throws<SocketException>(() => EventLoopListener.Bind(group, taken.LocalEndPoint!));
            Assert.Equal(SocketError.AddressAlreadyInUse, inUse.SocketErrorCode);
        }

        await group.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => EventLoopListener.Bind(group, AnyLoopbackPort));
    }

    [Fact]
    public async Task The_two_ways_of_taking_connections_exclude_each_other()
    {
        await using var group = new EventLoopGroup(new EventLoopGroupOptions { LoopCount = 1 });
        await using (var started = EventLoopListener.Bind(group, AnyLoopbackPort))
        {
            Assert.Throws<ArgumentNullException>(() => started.Start(null!));
            started.Start(ListenerClients.Echo);
            Assert.Throws<InvalidOperationException>(() => started.Start(ListenerClients.Echo));
            Assert.Throws<InvalidOperationException>(() => AsyncLoops.Start(started.AcceptAsync()));
        }

        await using var accepting = EventLoopListener.Bind(group, AnyLoopbackPort);
        var pending = accepting.AcceptAsync().AsTask();
        Assert.Throws<InvalidOperationException>(() => accepting.Start(ListenerClients.Echo));
        await accepting.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(AsyncLoops.Patience));
        Assert.Throws<ObjectDisposedException>(() => accepting.Start(ListenerClients.Echo));
    }
}
