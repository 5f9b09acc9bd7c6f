using EporeX.Bsd.Kqueue;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the kqueue backend to a host that composes backends one by one.</summary>
public static class KqueueServiceCollectionExtensions
{
    /// <summary>Makes the kqueue backend available to the factory (it is used where it is supported and preferred).</summary>
    public static IServiceCollection AddKqueueBackend(this IServiceCollection services) =>
        services.AddEventQueueBackend<KqueueProvider>();
}
