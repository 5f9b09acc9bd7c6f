using System;
using System.Diagnostics.CodeAnalysis;
using EporeX;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// What a backend needs to offer itself to dependency injection: its <c>Add&lt;Name&gt;Backend()</c>
/// (<c>AddEpollBackend()</c>, <c>AddPollBackend()</c>, <c>AddKqueueBackend()</c>) calls
/// <see cref="AddEventQueueBackend{TProvider}"/>. The factory, the Poll and the host check come from
/// <c>AddEventQueueCore()</c> or <c>AddEventQueue()</c> of the EporeX package.
/// </summary>
public static class EventQueueServiceCollectionExtensions
{
    /// <summary>Adds one backend's provider (once, however often it is called).</summary>
    public static IServiceCollection AddEventQueueBackend<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TProvider>(this IServiceCollection services)
        where TProvider : class, IEventQueueProvider
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventQueueProvider, TProvider>());
        return services;
    }
}
