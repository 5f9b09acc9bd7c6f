using EporeX.Fallback;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the poll(2) backend to a host that composes backends one by one.</summary>
public static class PollServiceCollectionExtensions
{
    /// <summary>Makes the poll(2) backend available to the factory (chosen automatically only when no better backend can run).</summary>
    public static IServiceCollection AddPollBackend(this IServiceCollection services) =>
        services.AddEventQueueBackend<PollProvider>();
}
