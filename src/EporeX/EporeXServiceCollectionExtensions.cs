using System;
using EporeX;
using EporeX.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds EporeX to an application's services.</summary>
public static class EporeXServiceCollectionExtensions
{
    /// <summary>
    /// Adds every backend this package ships, the factory, a singleton <see cref="Poll"/> and its
    /// <see cref="Registry"/>. TryAdd semantics: calling it twice adds nothing twice. Disposing the
    /// container disposes the Poll.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="EventQueueOptions.Backend"/>, for example; without it <c>EPOREX_BACKEND</c> or the best backend decides.</param>
    /// <example>
    /// <code>
    /// var services = new ServiceCollection()
    ///     .AddEventQueue(o => o.Backend = "auto")   // or "epoll", "kqueue", "poll"
    ///     .BuildServiceProvider();
    ///
    /// var poll = services.GetRequiredService&lt;Poll&gt;();           // the one thread that waits
    /// var registry = services.GetRequiredService&lt;Registry&gt;();   // thread-safe, shareable
    /// var factory = services.GetRequiredService&lt;EventQueueFactory&gt;();
    /// Console.WriteLine(factory.Report);                     // what was chosen, and why
    /// </code>
    /// In a Generic Host, <c>builder.Services.AddEventQueue()</c> also logs that report at start and fails
    /// <c>StartAsync</c> when no backend can run.
    /// </example>
    public static IServiceCollection AddEventQueue(this IServiceCollection services, Action<EventQueueOptions>? configure = null) =>
        services
            .AddEventQueueCore(configure)
            .AddEpollBackend()
            .AddKqueueBackend()
            .AddPollBackend();

    /// <summary>
    /// Adds the factory, a singleton <see cref="Poll"/> and its <see cref="Registry"/> without any backend,
    /// for hosts that compose backends one by one (<c>AddEpollBackend()</c>, <c>AddPollBackend()</c>,
    /// <c>AddKqueueBackend()</c>, a third party's). TryAdd semantics: a second call adds nothing but its
    /// <paramref name="configure"/>. Disposing the container disposes the Poll.
    /// </summary>
    /// <remarks>
    /// The selection report is logged once, at Information, through <c>ILogger&lt;EventQueueFactory&gt;</c>
    /// when the factory is created. In a Generic Host the Poll is created when the host starts, so a
    /// backend that cannot run fails <c>StartAsync</c> with <see cref="EventQueueUnavailableException"/>
    /// carrying the report.
    /// </remarks>
    /// <example>
    /// A host that wants only epoll and poll(2):
    /// <code>
    /// services.AddEventQueueCore(o => o.Backend = "auto")
    ///     .AddEpollBackend()
    ///     .AddPollBackend();
    /// </code>
    /// </example>
    public static IServiceCollection AddEventQueueCore(this IServiceCollection services, Action<EventQueueOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<EventQueueOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(sp =>
        {
            var factory = new EventQueueFactory(
                sp.GetServices<IEventQueueProvider>(), sp.GetRequiredService<IOptions<EventQueueOptions>>());
            var logger = sp.GetService<ILogger<EventQueueFactory>>() ?? NullLogger<EventQueueFactory>.Instance;
            SelectionLog.BackendSelected(logger, factory.Backend, factory.Report);
            return factory;
        });
        services.TryAddSingleton(sp => sp.GetRequiredService<EventQueueFactory>().CreatePoll());
        services.TryAddSingleton(sp => sp.GetRequiredService<Poll>().Registry);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EventQueueStartupCheck>());
        return services;
    }
}
