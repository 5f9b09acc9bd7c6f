using System;
using System.Linq;
using EporeX.Linux.Epoll;
using EporeX.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EporeX.Tests.DependencyInjection;

public sealed class ServiceCollectionTests
{
    [Fact]
    public void AddEventQueue_gives_one_Poll_and_its_Registry()
    {
        using var services = new ServiceCollection().AddEventQueue(o => o.Backend = "auto").BuildServiceProvider();

        var poll = services.GetRequiredService<Poll>();
        Assert.Same(poll, services.GetRequiredService<Poll>());
        Assert.Same(poll.Registry, services.GetRequiredService<Registry>());
        Assert.Equal(services.GetRequiredService<EventQueueFactory>().Backend, poll.Backend);

        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.Register(services.GetRequiredService<Registry>(), new Token(1), Interest.Readable);
        endpoint.PeerWrite();
        Assert.True(poll.WaitFor(new Token(1)).IsReadable);
    }

    [Fact]
    public void Disposing_the_container_disposes_the_Poll()
    {
        var services = new ServiceCollection().AddEventQueue(o => o.Backend = "auto").BuildServiceProvider();
        var poll = services.GetRequiredService<Poll>();

        services.Dispose();

        Assert.Throws<ObjectDisposedException>(() => poll.Wait(new Events(1), TimeSpan.Zero));
    }

    [Fact]
    public void Adding_twice_adds_each_service_once_and_keeps_both_configurations()
    {
        var collection = new ServiceCollection()
            .AddEventQueue()
            .AddEventQueue(o => o.Backend = EpollProvider.BackendName);

        Assert.Single(collection, d => d.ServiceType == typeof(Poll));
        Assert.Single(collection, d => d.ServiceType == typeof(EventQueueFactory));
        var providers = collection.Where(d => d.ServiceType == typeof(IEventQueueProvider)).ToList();
        Assert.Equal(providers.Count, providers.Select(d => d.ImplementationType).Distinct().Count());
    }

    [SkippableFact]
    public void Backends_compose_one_by_one()
    {
        using var services = new ServiceCollection().AddEventQueueCore().AddEpollBackend().BuildServiceProvider();
        var factory = services.GetRequiredService<EventQueueFactory>();

        Assert.Equal(["epoll"], factory.Report.Backends.Select(b => b.Name));
        Skip.IfNot(factory.Report.Backends[0].IsSupported, "epoll cannot run here");
        Assert.Equal("epoll", services.GetRequiredService<Poll>().Backend);
    }

    [Fact]
    public void A_core_without_backends_fails_with_a_clear_report()
    {
        using var services = new ServiceCollection().AddEventQueueCore().BuildServiceProvider();

        var e = Assert.Throws<EventQueueUnavailableException>(() => services.GetRequiredService<Poll>());
        Assert.Contains("no backend is installed", e.Message);
    }

    [Fact]
    public void Asking_for_a_backend_that_cannot_run_fails_when_the_Poll_is_resolved()
    {
        using var services = new ServiceCollection().AddEventQueue(o => o.Backend = "nonexistent").BuildServiceProvider();

        var e = Assert.Throws<EventQueueUnavailableException>(() => services.GetRequiredService<Poll>());
        foreach (var provider in EventQueue.CreateProviders())
        {
            Assert.Contains(provider.Name, e.Message);
        }
    }
}
