using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.AspNetCore;
using EporeX.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EporeX.Tests.AspNetCore;

/// <summary>
/// The connection's feature collection (EporeXConnection.Features.cs): what a request finds through
/// Kestrel, and the collection's rules against ASP.NET Core's own <see cref="FeatureCollection"/>.
/// </summary>
public sealed class ConnectionFeatureTests
{
    private static readonly Type[] Types =
    [
        typeof(IConnectionIdFeature), typeof(IConnectionTransportFeature), typeof(IConnectionItemsFeature),
        typeof(IMemoryPoolFeature), typeof(IConnectionLifetimeFeature), typeof(IConnectionEndPointFeature),
        typeof(IConnectionSocketFeature), typeof(IConnectionHeartbeatFeature), typeof(ITlsConnectionFeature),
        typeof(IConnectionCompleteFeature),
    ];

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_request_finds_the_transports_features_and_those_Kestrel_added(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, app => app.MapGet("/features", context =>
        {
            // What HTTP's own collection lacks, Kestrel looks up in the connection's.
            var features = context.Features;
            var socket = features.Get<IConnectionSocketFeature>()?.Socket;
            var answer = string.Join(' ',
                socket?.RemoteEndPoint,
                features.Get<IConnectionEndPointFeature>()?.RemoteEndPoint,
                features.Get<IMemoryPoolFeature>()?.MemoryPool is not null,
                features.Get<IConnectionHeartbeatFeature>() is not null,
                features.Get<IConnectionLifetimeNotificationFeature>() is not null,
                features.Get<ITlsConnectionFeature>() is null);
            return context.Response.WriteAsync(answer);
        }));
        using var http = await RawHttp.ConnectAsync(host.EndPoint);
        await http.SendAsync(RawHttp.Get("/features"));
        var (status, body) = await http.ReadAnswerAsync();

        var client = http.Socket.LocalEndPoint;
        Assert.Equal(200, status);
        var endPointFeature = KestrelHost.OnSockets ? "" : client?.ToString(); // Sockets' connection has no IConnectionEndPointFeature
        Assert.Equal($"{client} {endPointFeature} True True True True", System.Text.Encoding.ASCII.GetString(body));
        host.AssertClean();
    }

    [SkippableFact]
    public async Task The_connections_collection_follows_FeatureCollections_rules()
    {
        await using var host = await KestrelHost.StartAsync("poll", TestApp.Map);
        Skip.If(KestrelHost.OnSockets, "the collection is EporeX's");
        var factory = host.Services.GetRequiredService<EporeXTransportFactory>();
        await using var listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint).WaitAsync(Waiting.Long);
        await using var connection = (await listener.AcceptAsync().AsTask().WaitAsync(Waiting.Long))!;
        var features = connection.Features;

        Assert.Same(connection, features.Get<IConnectionIdFeature>());
        Assert.Same(connection.Transport, features.Get<IConnectionTransportFeature>()!.Transport);
        Assert.Equal(client.LocalEndPoint, features.Get<IConnectionSocketFeature>()!.Socket.RemoteEndPoint);
        Assert.Null(features.Get<ITlsConnectionFeature>());
        Assert.Throws<ArgumentNullException>(() => features[null!]);

        // Random runs of Set (own and added features, values and null) on the connection and on a
        // FeatureCollection that starts as a copy of it: both must answer alike after every step.
        object[] values = [new object(), new object(), connection];
        var step = Gen.Zip(Gen.Choose(0, Types.Length - 1), Gen.Choose(-1, values.Length - 1));
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true),
            Prop.ForAll(Gen.ListOf(step).ToArbitrary(), steps =>
            {
                var model = new FeatureCollection();
                foreach (var (type, value) in features)
                {
                    model[type] = value;
                }

                foreach (var (type, value) in steps)
                {
                    var revision = features.Revision;
                    var modelRevision = model.Revision;
                    features[Types[type]] = value < 0 ? null : values[value];
                    model[Types[type]] = value < 0 ? null : values[value];

                    Assert.True(features.Revision != revision || model.Revision == modelRevision, "a change the revision did not show");
                    foreach (var t in Types)
                    {
                        Assert.Same(model[t], features[t]);
                    }

                    Assert.Equal(
                        model.OrderBy(p => p.Key.FullName).Select(p => (p.Key, p.Value)),
                        features.OrderBy(p => p.Key.FullName).Select(p => (p.Key, p.Value)));
                }
            }));
    }
}
