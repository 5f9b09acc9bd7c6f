using System.Linq;
using Microsoft.Extensions.DependencyInjection;

namespace EporeX.Tests.Swap;

/// <summary>Asking for a backend that cannot run here fails at once, with every backend and the reason it can or cannot run.</summary>
public sealed class UnavailableBackendTests
{
    [Fact]
    public void Naming_an_unsupported_backend_in_the_options_fails_listing_every_reason()
    {
        using var services = new ServiceCollection()
            .AddEventQueue(o => o.Backend = UnavailableProvider.BackendName)
            .AddEventQueueBackend<UnavailableProvider>()
            .BuildServiceProvider();

        var e = Assert.Throws<EventQueueUnavailableException>(() => services.GetRequiredService<Poll>());

        Assert.Contains($"'{UnavailableProvider.BackendName}' (from EventQueueOptions.Backend) cannot run on this machine: {UnavailableProvider.Reason}", e.Message);
        Assert.Null(e.Report.Chosen);
        AssertListsEveryBackend(e);
    }

    [Fact]
    public void Auto_passes_over_an_unsupported_backend_whatever_its_priority()
    {
        using var services = new ServiceCollection()
            .AddEventQueue(o => o.Backend = EventQueueOptions.Auto)
            .AddEventQueueBackend<UnavailableProvider>()
            .BuildServiceProvider();

        var report = services.GetRequiredService<EventQueueFactory>().Report;

        Assert.Equal(UnavailableProvider.BackendName, report.Backends[0].Name); // the highest priority…
        Assert.False(report.Backends[0].IsSupported); // …but it cannot run
        Assert.Equal(SwapTests.Supported()[0], services.GetRequiredService<Poll>().Backend);
    }

    [SkippableFact]
    public void Naming_kqueue_where_it_cannot_run_fails_with_the_reason()
    {
        var kqueue = EventQueue.CreateProviders().FirstOrDefault(p => p.Name == "kqueue");
        Skip.If(kqueue is { Support.IsSupported: true }, "kqueue runs here");

        var e = Assert.Throws<EventQueueUnavailableException>(() => EventQueue.CreateFactory(new EventQueueOptions { Backend = "kqueue" }));

        Assert.Contains(kqueue is null ? "'kqueue' (from EventQueueOptions.Backend) is not known" : $"cannot run on this machine: {kqueue.Support.Detail}", e.Message);
        foreach (var provider in EventQueue.CreateProviders())
        {
            Assert.Contains($"{provider.Name} (priority {provider.Priority}): {(provider.Support.IsSupported ? "supported" : "unavailable")}: {provider.Support.Detail}", e.Message);
        }
    }

    /// <summary>Every real backend and the stand-in are in the message, each with its probe's finding.</summary>
    internal static void AssertListsEveryBackend(EventQueueUnavailableException e)
    {
        foreach (var provider in EventQueue.CreateProviders().Append(new UnavailableProvider()))
        {
            var line = $"{provider.Name} (priority {provider.Priority}): {(provider.Support.IsSupported ? "supported" : "unavailable")}: {provider.Support.Detail}";
            Assert.Contains(line, e.Message);
            Assert.Contains(e.Report.Backends, b => b.Name == provider.Name && b.Detail == provider.Support.Detail);
        }
    }
}
