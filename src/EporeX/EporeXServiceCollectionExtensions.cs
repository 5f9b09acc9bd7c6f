using System;
using EporeX;

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
    public static IServiceCollection AddEventQueue(this IServiceCollection services, Action<EventQueueOptions>? configure = null) =>
        services
            .AddEventQueueCore(configure)
            .AddEpollBackend()
            .AddKqueueBackend()
            .AddPollBackend();
}
