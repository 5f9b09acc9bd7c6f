using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.AspNetCore;
using EporeX.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EporeX.Tests.AspNetCore;

/// <summary>The transport's rows of the error table (docs/articles/errors.md): bad options, bad endpoints, a taken port, a listener after unbind.</summary>
public sealed class TransportErrorTests
{
    [Fact]
    public void Null_builders_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => ((IWebHostBuilder)null!).UseEporeX());
        Assert.Throws<ArgumentNullException>(() => WebApplication.CreateSlimBuilder().WebHost.UseEporeX(null!));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddEporeXTransport());
    }

    public static TheoryData<string> BadOptions() => ["LoopCount", "ReceivePauseThreshold", "SendPauseThreshold", "Backlog", "Distribution"];

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_option_fails_the_app_build_and_names_itself(string option)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseEporeX(o =>
        {
            switch (option)
            {
                case "LoopCount": o.LoopCount = -1; break;
                case "ReceivePauseThreshold": o.ReceivePauseThreshold = 0; break;
                case "SendPauseThreshold": o.SendPauseThreshold = -5; break;
                case "Backlog": o.Backlog = 0; break;
                default: o.Distribution = (ListenerDistribution)42; break;
            }
        });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => builder.Build()); // WebApplication builds Kestrel, and Kestrel its transport, at once
        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public async Task A_backend_that_cannot_run_fails_the_bind_with_the_selection_error()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseEporeX(o => o.Backend = "no-such-backend");
        await using var app = builder.Build();
        var error = await Record.ExceptionAsync(() => app.StartAsync().WaitAsync(Waiting.Long));
        Assert.True(FindInner<EventQueueUnavailableException>(error) is not null, $"not the selection error: {error}");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_port_in_use_is_Kestrels_AddressInUseException(string backend)
    {
        Skip.If(KestrelHost.OnSockets, "the factory is EporeX's");
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        var factory = host.Services.GetRequiredService<EporeXTransportFactory>();
        await Assert.ThrowsAsync<AddressInUseException>(async () => await factory.BindAsync(taken.LocalEndPoint!));

        // The server's own port too, though its sockets share it with each other through SO_REUSEPORT: a
        // second server there would take a share of the first one's connections.
        await Assert.ThrowsAsync<AddressInUseException>(async () => await factory.BindAsync(host.EndPoint));
        Assert.Equal(200, await GetStatusAsync(host.EndPoint)); // the server's own listener is untouched
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task An_endpoint_it_cannot_bind_is_refused_and_left_to_the_next_transport(string backend)
    {
        Skip.If(KestrelHost.OnSockets, "the factory is EporeX's");
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        var factory = host.Services.GetRequiredService<EporeXTransportFactory>();
        var pipe = new DnsEndPoint("localhost", 80);
        Assert.False(factory.CanBind(pipe));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await factory.BindAsync(pipe));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await factory.BindAsync(null!));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task After_unbind_and_after_dispose_AcceptAsync_returns_null(string backend)
    {
        Skip.If(KestrelHost.OnSockets, "the factory is EporeX's");
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        var factory = host.Services.GetRequiredService<EporeXTransportFactory>();
        var listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var waiting = listener.AcceptAsync().AsTask();
        await listener.UnbindAsync();
        Assert.Null(await waiting.WaitAsync(Waiting.Long)); // Kestrel's signal that the listener is done
        Assert.Null(await listener.AcceptAsync().AsTask().WaitAsync(Waiting.Long));
        await listener.DisposeAsync();
        await listener.DisposeAsync(); // twice: nothing
        Assert.Null(await listener.AcceptAsync().AsTask().WaitAsync(Waiting.Long));
        Assert.Equal(200, await GetStatusAsync(host.EndPoint)); // the shared loops still serve the server
    }

    private static async Task<int> GetStatusAsync(IPEndPoint endPoint)
    {
        using var http = await RawHttp.ConnectAsync(endPoint);
        await http.SendAsync(RawHttp.Get("/plaintext"));
        return (await http.ReadAnswerAsync()).Status;
    }

    private static T? FindInner<T>(Exception? error)
        where T : Exception
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is T found)
            {
                return found;
            }

            if (error is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (FindInner<T>(inner) is { } deep)
                    {
                        return deep;
                    }
                }
            }
        }

        return null;
    }
}
