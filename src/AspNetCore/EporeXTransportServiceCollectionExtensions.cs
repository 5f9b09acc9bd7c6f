using System;
using System.Linq;
using EporeX.AspNetCore;
using Microsoft.AspNetCore.Connections;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the EporeX Kestrel transport in a service collection.</summary>
public static class EporeXTransportServiceCollectionExtensions
{
    /// <summary>
    /// Makes Kestrel listen through EporeX: registers <see cref="EporeXTransportFactory"/> as an
    /// <see cref="IConnectionListenerFactory"/> after Kestrel's own, so it serves every endpoint it can bind
    /// (TCP and Unix domain sockets on Unix) and the others fall through to Kestrel's Sockets transport.
    /// Calling it again only adds <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets the transport's options (loops, backend, inline scheduling, buffers).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddEporeXTransport(o => o.InlineScheduling = true);
    /// </code>
    /// </example>
    public static IServiceCollection AddEporeXTransport(this IServiceCollection services, Action<EporeXTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<EporeXTransportOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (!services.Any(d => d.ServiceType == typeof(EporeXTransportFactory)))
        {
            services.AddSingleton<EporeXTransportFactory>();
            services.AddSingleton<IConnectionListenerFactory>(provider => provider.GetRequiredService<EporeXTransportFactory>());
        }

        return services;
    }
}
