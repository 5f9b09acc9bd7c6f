using System;
using System.Diagnostics.CodeAnalysis;
using EporeX;
using EporeX.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the event queue's core services without any backend, for hosts that compose backends one by
/// one (<c>AddEpollBackend()</c>, <c>AddPollBackend()</c>, <c>AddKqueueBackend()</c>). Most applications call
/// <c>AddEventQueue()</c> from the EporeX package instead, which adds every backend.
/// </summary>
public static class EventQueueServiceCollectionExtensions
{
    /// <summary>
    /// Adds the factory, a singleton <see cref="Poll"/> and its <see cref="Registry"/> (TryAdd: a second call
    /// adds nothing but its <paramref name="configure"/>). Disposing the container disposes the Poll.
    /// </summary>
    /// <remarks>
    /// The selection report is logged once, at Information, through <c>ILogger&lt;EventQueueFactory&gt;</c>
    /// when the factory is created. In a Generic Host the Poll is created when the host starts, so a
    /// backend that cannot run fails <c>StartAsync</c> with <see cref="EventQueueUnavailableException"/>
    /// carrying the report.
    /// </remarks>
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

    /// <summary>Adds one backend's provider (once, however often it is called).</summary>
    public static IServiceCollection AddEventQueueBackend<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TProvider>(this IServiceCollection services)
        where TProvider : class, IEventQueueProvider
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventQueueProvider, TProvider>());
        return services;
    }
}
