using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EporeX.Hosting;

/// <summary>
/// Makes a Generic Host create the <see cref="Poll"/> when it starts, so that a backend that cannot run
/// fails <c>StartAsync</c> with <see cref="EventQueueUnavailableException"/> (and its report), not the
/// first resolve deep in the application; and so that the selection report is logged at start. Without
/// a host nothing resolves it and nothing changes.
/// </summary>
internal sealed class EventQueueStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<Poll>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
