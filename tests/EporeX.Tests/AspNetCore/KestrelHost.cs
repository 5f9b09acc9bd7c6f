using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using EporeX.AspNetCore;
using EporeX.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EporeX.Tests.AspNetCore;

/// <summary>
/// A real Kestrel on 127.0.0.1 (an ephemeral port) over the EporeX transport on one backend, with the
/// endpoints a test maps. It counts the connections Kestrel got and checks each came through EporeX, and
/// keeps every warning and error logged, so a test can require a clean log.
/// </summary>
internal sealed class KestrelHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CollectingLogger _log;
    private int _connections;
    private int _foreign;

    private KestrelHost(WebApplication app, CollectingLogger log)
    {
        _app = app;
        _log = log;
    }

    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress => new($"http://{EndPoint}/");

    public IServiceProvider Services => _app.Services;

    /// <summary>Connections Kestrel has been handed so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Warnings and errors logged so far, each as "[category/event] message".</summary>
    public IReadOnlyList<(LogLevel Level, string Message)> Problems =>
        [.. _log.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => (e.Level, e.Line))];

    private static readonly string[] ApplicationErrors =
    [
        "[Microsoft.AspNetCore.Server.Kestrel/ApplicationError]",
        "[Microsoft.AspNetCore.Server.Kestrel/RequestBodyDrainBodyReaderInvalidState]",
    ];

    /// <summary>
    /// <c>EPOREX_TEST_KESTREL_TRANSPORT=sockets</c> runs every transport test on Kestrel's own Sockets
    /// transport instead: the reference a test's expectation is calibrated against (what Kestrel does is
    /// not the transport's to change).
    /// </summary>
    public static bool OnSockets { get; } =
        string.Equals(Environment.GetEnvironmentVariable("EPOREX_TEST_KESTREL_TRANSPORT"), "sockets", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Starts Kestrel over EporeX on <paramref name="backend"/> (skips, or fails when required, as every
    /// backend theory does) with 2 loops unless <paramref name="transport"/> says otherwise.
    /// </summary>
    public static async Task<KestrelHost> StartAsync(
        string backend,
        Action<WebApplication> map,
        Action<EporeXTransportOptions>? transport = null,
        Action<ListenOptions>? listen = null,
        Action<KestrelServerOptions>? kestrel = null)
    {
        Backends.Open(backend).Dispose();
        // No configuration reload: its file watcher (an inotify descriptor) is closed on a thread of its own
        // after the host is disposed, in the middle of a later test's descriptor count.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        var log = new CollectingLogger();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (!OnSockets)
        {
            builder.WebHost.UseEporeX(o =>
            {
                o.Backend = backend;
                o.LoopCount = 2;
                transport?.Invoke(o);
            });
        }

        KestrelHost? host = null;
        builder.WebHost.ConfigureKestrel(options =>
        {
            kestrel?.Invoke(options);
            options.Listen(IPAddress.Loopback, 0, listenOptions =>
            {
                listenOptions.Use(next => async connection =>
                {
                    Interlocked.Increment(ref host!._connections);
                    if (connection is not EporeXConnection && !OnSockets)
                    {
                        Interlocked.Increment(ref host._foreign); // served by another transport: the test would prove nothing
                    }

                    await next(connection);
                });
                listen?.Invoke(listenOptions);
            });
        });

        var app = builder.Build();
        host = new KestrelHost(app, log);
        map(app);
        await app.StartAsync().WaitAsync(Waiting.Long);
        var address = new Uri(app.Urls.Single(u => u.StartsWith("http://127.0.0.1:", StringComparison.Ordinal) || u.StartsWith("https://127.0.0.1:", StringComparison.Ordinal)));
        host.EndPoint = new IPEndPoint(IPAddress.Loopback, address.Port);
        return host;
    }

    /// <summary>
    /// Nothing logged at warning or above, and every connection came through EporeX. With
    /// <paramref name="tolerateApplicationErrors"/>, Kestrel's reports of the application's own failures
    /// (an exception out of a request delegate, and the body drain that follows it) are allowed.
    /// </summary>
    public void AssertClean(bool tolerateApplicationErrors = false)
    {
        Assert.Equal(0, Volatile.Read(ref _foreign));
        var problems = Problems.Where(p => !(tolerateApplicationErrors && ApplicationErrors.Any(e => p.Message.StartsWith(e, StringComparison.Ordinal)))).ToList();
        Assert.True(problems.Count == 0, "Kestrel or the transport logged:\n" + string.Join("\n", problems.Select(p => $"{p.Level}: {p.Message}")));
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(Waiting.Long);
        await _app.DisposeAsync();
    }
}
