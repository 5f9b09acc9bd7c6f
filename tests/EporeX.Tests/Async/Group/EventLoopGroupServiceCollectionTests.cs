using System;
using EporeX.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EporeX.Tests.Async;

/// <summary>services.AddEventLoopGroup(): one singleton group, TryAdd, the container's factory, disposed with the container.</summary>
public sealed class EventLoopGroupServiceCollectionTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void AddEventLoopGroup_gives_one_group_that_the_container_disposes(string backend)
    {
        Backends.Open(backend).Dispose();
        var services = new ServiceCollection()
            .AddEventLoopGroup(o => o.LoopCount = 2)
            .AddEventLoopGroup(o => o.Backend = backend); // TryAdd: only its configuration is added
        var count = services.Count;
        services.AddEventLoopGroup();
        Assert.Equal(count, services.Count);

        EventLoopGroup group;
        using (var provider = services.BuildServiceProvider())
        {
            group = provider.GetRequiredService<EventLoopGroup>();
            Assert.Same(group, provider.GetRequiredService<EventLoopGroup>());
            Assert.Equal(2, group.Count);
            Assert.Equal(backend, group.Backend);
        }

        Assert.Throws<ObjectDisposedException>(() => group.Next());
        Assert.Throws<ObjectDisposedException>(() => group[1].Register(0, Interest.Readable));
    }

    [SkippableFact]
    public void Without_a_backend_the_group_uses_the_containers_factory()
    {
        var services = new ServiceCollection().AddEventQueue(o => o.Backend = "poll").AddEventLoopGroup(o => o.LoopCount = 2);
        using var provider = services.BuildServiceProvider();
        var group = provider.GetRequiredService<EventLoopGroup>();
        Assert.All(group, loop => Assert.Equal("poll", loop.Backend));
    }

    [Fact]
    public void A_null_service_collection_is_refused() =>
        Assert.Throws<ArgumentNullException>(() => EventLoopGroupServiceCollectionExtensions.AddEventLoopGroup(null!));
}
