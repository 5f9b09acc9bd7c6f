using System;
using System.Globalization;
using System.Threading;
using EporeX;
using EporeX.Samples.HostedWorker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// A Generic Host worker: AddEventQueue() logs the backend selection report at start, the EchoWorker
// serves a TCP echo on 127.0.0.1 from the Poll it gets from DI, and the EchoProbe client sends it a
// message every half second and logs the round trip. Stops by itself after --seconds (default 5).
// Options: --seconds N, --backend epoll|kqueue|poll|auto, --port P (default 0: any free port).
var builder = Host.CreateApplicationBuilder(args);
var seconds = int.TryParse(builder.Configuration["seconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 5;
var port = int.TryParse(builder.Configuration["port"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535 ? p : 0;
var backend = builder.Configuration["backend"];

builder.Services.AddEventQueue(o => o.Backend = backend);
builder.Services.AddSingleton(new EchoEndpoint(port));
builder.Services.AddHostedService<EchoWorker>();
builder.Services.AddHostedService<EchoProbe>();

using var host = builder.Build();
using var lifetime = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
try
{
    await host.RunAsync(lifetime.Token);
    return 0;
}
catch (EventQueueUnavailableException)
{
    // The host failed at start and has logged why: the exception's message holds the selection report.
    return 1;
}
