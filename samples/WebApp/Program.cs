// An ASP.NET Core minimal API served by Kestrel over EporeX's event loops, or over Kestrel's own Sockets
// transport for comparison:
//
//   dotnet run --project samples/WebApp -- --transport eporex [--inline] [--port 5000] [--loops N] [--backend epoll|kqueue|poll]
//   curl http://127.0.0.1:5000/plaintext
//
// The endpoints are the TechEmpower ones (/plaintext, /json) plus a POST echo and a streaming response.
// The only line that differs from any ASP.NET Core app is UseEporeX (see WebAppOptions.cs).
using EporeX.Samples.WebApp;

var options = WebAppOptions.Parse(args);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(options.Port));
if (options.Transport == "eporex")
{
    builder.WebHost.UseEporeX(o =>
    {
        o.InlineScheduling = options.Inline;
        o.LoopCount = options.Loops;
        o.Backend = options.Backend;
    });
}
else
{
    // Kestrel's default transport; --inline is its fastest known setting (with the environment variable
    // DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1, which bench/kestrel.sh sets).
    builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = options.Inline);
}

builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, WebAppJson.Default));

var app = builder.Build();
Endpoints.Map(app);
app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine($"WebApp listening on port {options.Port} ({options.Transport}{(options.Inline ? ", inline" : "")})"));
app.Run();
