using System;
using System.Linq;
using System.Threading.Tasks;
using EporeX.Fallback;
using EporeX.Tests.Support;
using EporeX.Tests.Swap;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EporeX.Tests.Hosting;

/// <summary>AddEventQueue in a Generic Host and with a plain container: the report is logged once, a bad backend fails the start.</summary>
public sealed class HostingTests
{
    private const string FactoryCategory = "EporeX.EventQueueFactory";

    [Fact]
    public void The_selection_report_is_logged_once_at_Information_when_the_factory_is_made()
    {
        var log = new CollectingLogger();
        using var services = new ServiceCollection()
            .AddSingleton<ILogger<EventQueueFactory>>(new Logger<EventQueueFactory>(new LoggerFactory([log])))
            .AddEventQueue(o => o.Backend = PollProvider.BackendName)
            .BuildServiceProvider();
        Assert.Empty(log.Entries); // nothing happens before something asks for the queue

        var poll = services.GetRequiredService<Poll>();
        services.GetRequiredService<Registry>();
        services.GetRequiredService<EventQueueFactory>();

        var entry = Assert.Single(log.From(FactoryCategory));
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("BackendSelected", entry.Id.Name);
        Assert.Equal(PollProvider.BackendName, entry.Values["Backend"]);
        var report = services.GetRequiredService<EventQueueFactory>().Report;
        Assert.Same(report, entry.Values["SelectionReport"]);
        Assert.Contains(report.ToString(), entry.Message, StringComparison.Ordinal);
        Assert.Equal(PollProvider.BackendName, poll.Backend);
    }

    [Fact]
    public async Task A_host_creates_the_Poll_and_logs_the_report_when_it_starts()
    {
        var log = new CollectingLogger();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddProvider(log);
        builder.Services.AddEventQueue(o => o.Backend = "auto");
        using var host = builder.Build();
        Assert.Empty(log.From(FactoryCategory));

        await host.StartAsync();
        try
        {
            var entry = Assert.Single(log.From(FactoryCategory));
            Assert.Equal(LogLevel.Information, entry.Level);
            Assert.Contains("EporeX backend: ", entry.Message, StringComparison.Ordinal);
            Assert.Equal(host.Services.GetRequiredService<Poll>().Backend, entry.Values["Backend"]);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_host_with_an_unavailable_backend_fails_at_start_with_the_report()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services
            .AddEventQueueCore(o => o.Backend = UnavailableProvider.BackendName)
            .AddEventQueueBackend<UnavailableProvider>()
            .AddPollBackend();
        using var host = builder.Build(); // building resolves nothing: the failure belongs to the start

        var e = await Assert.ThrowsAsync<EventQueueUnavailableException>(() => host.StartAsync());

        Assert.Null(e.Report.Chosen);
        Assert.Equal(UnavailableProvider.BackendName, e.Report.Requested);
        var probe = e.Report.Backends.Single(b => b.Name == UnavailableProvider.BackendName);
        Assert.False(probe.IsSupported);
        Assert.Contains(UnavailableProvider.Reason, e.Message, StringComparison.Ordinal);
        Assert.Contains(e.Report.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_host_the_startup_check_changes_nothing()
    {
        using var services = new ServiceCollection()
            .AddEventQueueCore(o => o.Backend = UnavailableProvider.BackendName)
            .AddEventQueueBackend<UnavailableProvider>()
            .BuildServiceProvider();

        // Only resolving the queue fails; the container itself builds and disposes cleanly.
        Assert.Throws<EventQueueUnavailableException>(() => services.GetRequiredService<Poll>());
    }
}
