using System;
using EporeX.AspNetCore;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Turns the EporeX transport on for a web host, as <c>UseSockets</c> does for Kestrel's own.</summary>
public static class WebHostBuilderEporeXExtensions
{
    /// <summary>Kestrel listens through EporeX, with the default options (see <see cref="EporeXTransportOptions"/>).</summary>
    /// <param name="hostBuilder">The web host builder (<c>builder.WebHost</c>).</param>
    /// <returns><paramref name="hostBuilder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="hostBuilder"/> is null.</exception>
    /// <example>
    /// <code>
    /// var builder = WebApplication.CreateBuilder(args);
    /// builder.WebHost.UseEporeX();
    /// var app = builder.Build();
    /// app.MapGet("/", () => "Hello over epoll");
    /// app.Run();
    /// </code>
    /// </example>
    public static IWebHostBuilder UseEporeX(this IWebHostBuilder hostBuilder) => UseEporeX(hostBuilder, _ => { });

    /// <summary>Kestrel listens through EporeX, with options set by <paramref name="configure"/>.</summary>
    /// <param name="hostBuilder">The web host builder (<c>builder.WebHost</c>).</param>
    /// <param name="configure">Sets the transport's options (loops, backend, inline scheduling, buffers).</param>
    /// <returns><paramref name="hostBuilder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IWebHostBuilder UseEporeX(this IWebHostBuilder hostBuilder, Action<EporeXTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(hostBuilder);
        ArgumentNullException.ThrowIfNull(configure);
        return hostBuilder.ConfigureServices(services => services.AddEporeXTransport(configure));
    }
}
