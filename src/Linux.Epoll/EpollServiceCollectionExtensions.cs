using EporeX.Linux.Epoll;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the epoll backend to a host that composes backends one by one.</summary>
public static class EpollServiceCollectionExtensions
{
    /// <summary>Makes the epoll backend available to the factory (it is used where it is supported and preferred).</summary>
    public static IServiceCollection AddEpollBackend(this IServiceCollection services) =>
        services.AddEventQueueBackend<EpollProvider>();
}
