using System;
using EporeX;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds an <see cref="EventLoopGroup"/> to an application's services.</summary>
public static class EventLoopGroupServiceCollectionExtensions
{
    /// <summary>
    /// Adds one singleton <see cref="EventLoopGroup"/> (TryAdd: a second call adds nothing but its
    /// <paramref name="configure"/>), next to <c>AddEventQueue()</c>, whose factory its loops use unless
    /// the options name a backend or a factory. Disposing the container disposes the group and its loops.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="EventLoopGroupOptions.LoopCount"/>, <see cref="EventLoopGroupOptions.Assignment"/>…</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddEventLoopGroup(this IServiceCollection services, Action<EventLoopGroupOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddEventQueue();
        services.AddOptions<EventLoopGroupOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(sp => new EventLoopGroup(
            sp.GetRequiredService<IOptions<EventLoopGroupOptions>>().Value,
            sp.GetRequiredService<EventQueueFactory>()));
        return services;
    }
}
