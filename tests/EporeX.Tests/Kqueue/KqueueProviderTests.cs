using System;
using EporeX.Bsd.Kqueue;
using Microsoft.Extensions.DependencyInjection;

namespace EporeX.Tests.Kqueue;

public sealed class KqueueProviderTests
{
    [Fact]
    public void The_provider_is_named_kqueue_and_ranks_between_epoll_and_poll()
    {
        var provider = new KqueueProvider();
        Assert.Equal("kqueue", provider.Name);
        Assert.Equal(200, provider.Priority);
        Assert.Contains(EventQueue.CreateProviders(), p => p is KqueueProvider);
    }

    [SkippableFact]
    public void On_Linux_without_libkqueue_it_says_why()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a Linux-only fact");
        Skip.If(System.Runtime.InteropServices.NativeLibrary.TryLoad(Interop.LibKqueueSoname, out var h) && Free(h), "libkqueue is installed here");
        var support = new KqueueProvider().Support;
        Assert.False(support.IsSupported);
        Assert.Equal("kqueue: not available on Linux without libkqueue (libkqueue.so.0 not found)", support.Detail);
    }

    [SkippableFact]
    public void On_Linux_the_factory_still_prefers_epoll()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a Linux-only fact");
        var factory = new EventQueueFactory(EventQueue.CreateProviders(), new EventQueueOptions { Backend = "auto" });
        Assert.Equal("epoll", factory.Backend);
        Assert.Contains(factory.Report.Backends, b => b.Name == "kqueue");
    }

    [Fact]
    public void AddKqueueBackend_adds_the_provider_once()
    {
        var services = new ServiceCollection().AddKqueueBackend().AddKqueueBackend();
        Assert.Single(services, d => d.ImplementationType == typeof(KqueueProvider));
        Assert.Single(new ServiceCollection().AddEventQueue().AddEventQueue(), d => d.ImplementationType == typeof(KqueueProvider));
    }

    private static bool Free(nint handle)
    {
        System.Runtime.InteropServices.NativeLibrary.Free(handle);
        return true;
    }
}
