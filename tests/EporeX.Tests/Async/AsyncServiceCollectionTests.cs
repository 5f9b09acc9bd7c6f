using System;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EporeX.Tests.Async;

/// <summary>services.AddEventLoop(): one singleton loop, TryAdd, disposed with the container.</summary>
public sealed class AsyncServiceCollectionTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task AddEventLoop_gives_one_loop_that_the_container_disposes(string backend)
    {
        Backends.Open(backend).Dispose();
        var services = new ServiceCollection()
            .AddEventLoop(o => o.InlineContinuations = true)
            .AddEventLoop(o => o.Backend = backend); // TryAdd: only its configuration is added
        var count = services.Count;
        services.AddEventLoop();
        Assert.Equal(count, services.Count); // a third call without configuration adds nothing

        EventLoop loop;
        using (var provider = services.BuildServiceProvider())
        {
            loop = provider.GetRequiredService<EventLoop>();
            Assert.Same(loop, provider.GetRequiredService<EventLoop>());
            Assert.Equal(backend, loop.Backend);
            Assert.True(loop.InlineContinuations);

            using var pipe = new TestPipe();
            using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
            pipe.Write(1);
            Assert.Equal(1, await AsyncLoops.Within(fd.ReadAsync(new byte[2])));
        }

        Assert.Throws<ObjectDisposedException>(() => loop.Register(0, Interest.Readable));
    }

    [SkippableFact]
    public void Without_a_backend_the_loop_uses_the_containers_factory()
    {
        var services = new ServiceCollection().AddEventQueue(o => o.Backend = "poll").AddEventLoop();
        using var provider = services.BuildServiceProvider();
        Assert.Equal("poll", provider.GetRequiredService<EventLoop>().Backend);
    }
}
