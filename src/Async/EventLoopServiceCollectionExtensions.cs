using System;
using EporeX;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds an <see cref="EventLoop"/> to an application's services.</summary>
public static class EventLoopServiceCollectionExtensions
{
    /// <summary>
    /// Adds one singleton <see cref="EventLoop"/> (TryAdd: a second call adds nothing but its
    /// <paramref name="configure"/>), next to <c>AddEventQueue()</c>, whose factory it uses unless the
    /// options name a backend or a factory. Disposing the container disposes the loop.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="EventLoopOptions.InlineContinuations"/>, <see cref="EventLoopOptions.Backend"/>…</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <example>
    /// <code>
    /// var builder = Host.CreateApplicationBuilder(args);
    /// builder.Services.AddEventLoop();                  // continuations on the thread pool
    /// builder.Services.AddHostedService&lt;TtyReader&gt;();   // takes EventLoop in its constructor
    /// await builder.Build().RunAsync();
    ///
    /// // in TtyReader.ExecuteAsync:
    /// var handle = File.OpenHandle("/dev/ttyUSB0", FileMode.Open, FileAccess.ReadWrite);
    /// using var tty = loop.Register(handle, Interest.Readable);   // tty owns the handle
    /// int n = await tty.ReadAsync(buffer, stoppingToken);
    /// </code>
    /// </example>
    public static IServiceCollection AddEventLoop(this IServiceCollection services, Action<EventLoopOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddEventQueue();
        services.AddOptions<EventLoopOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(sp => new EventLoop(
            sp.GetRequiredService<IOptions<EventLoopOptions>>().Value,
            sp.GetRequiredService<EventQueueFactory>()));
        return services;
    }
}
