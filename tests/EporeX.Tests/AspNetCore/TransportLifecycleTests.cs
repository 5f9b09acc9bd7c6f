using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EporeX.AspNetCore;
using EporeX.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace EporeX.Tests.AspNetCore;

/// <summary>
/// A server's whole life over the transport: ten thousand connections that leave nothing open behind
/// them, and a graceful stop that refuses new connections while the requests in flight finish.
/// </summary>
[Collection(SerialCollection.Name)] // counts the process's descriptors
public sealed class TransportLifecycleTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Ten_thousand_connections_leave_the_descriptor_table_as_it_was(string backend)
    {
        const int Connections = 10_000;
        const int AtOnce = 10;
        await using (var warmUp = await KestrelHost.StartAsync(backend, TestApp.Map))
        {
            await OneRequestAndClose(warmUp.EndPoint); // what loads once (Kestrel, the socket engine) is not counted
        }

        var before = DescriptorTable.Baseline();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        for (var done = 0; done < Connections; done += AtOnce)
        {
            await Task.WhenAll(Enumerable.Range(0, AtOnce).Select(_ => OneRequestAndClose(host.EndPoint))).WaitAsync(Waiting.Long);
        }

        Assert.Equal(Connections, host.Connections);
        host.AssertClean();
        await host.DisposeAsync();
        output.WriteLine($"{backend}: {Connections} connections, {AtOnce} at a time, in {clock.Elapsed.TotalSeconds:F1} s");
        DescriptorTable.AssertBackTo(before);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_graceful_stop_refuses_new_connections_and_lets_requests_in_flight_finish(string backend)
    {
        const int InFlight = 4;
        var entered = 0;
        var allEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await KestrelHost.StartAsync(backend, app =>
        {
            TestApp.Map(app);
            app.MapGet("/slow", async context =>
            {
                if (Interlocked.Increment(ref entered) == InFlight)
                {
                    allEntered.SetResult();
                }

                await release.Task; // not RequestAborted: a graceful stop must not abort this request
                context.Response.ContentLength = 4;
                await context.Response.WriteAsync("done");
            });
        });

        var clients = await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => RawHttp.ConnectAsync(host.EndPoint)));
        try
        {
            foreach (var client in clients)
            {
                await client.SendAsync(RawHttp.Get("/slow"));
            }

            await allEntered.Task.WaitAsync(Waiting.Long);
            var stopping = host.StopAsync();

            var unbinding = System.Diagnostics.Stopwatch.StartNew();
            await RefusedAsync(host.EndPoint).WaitAsync(Waiting.Long); // unbound: no more connections
            output.WriteLine($"{backend}: connections refused {unbinding.ElapsedMilliseconds} ms after the stop began");
            Assert.False(stopping.IsCompleted, "the server stopped before its requests in flight finished");

            release.SetResult();
            foreach (var client in clients)
            {
                var (status, body) = await client.ReadAnswerAsync();
                Assert.Equal(200, status);
                Assert.Equal("done", Encoding.ASCII.GetString(body));
                Assert.Equal(0, await client.ReadToEndAsync()); // then Kestrel closes the kept-alive connection
            }

            await stopping.WaitAsync(Waiting.Long);
            host.AssertClean();
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task OneRequestAndClose(IPEndPoint endPoint)
    {
        using var http = await RawHttp.ConnectAsync(endPoint);
        await http.SendAsync(RawHttp.Get("/plaintext", close: true));
        var (status, _) = await http.ReadAnswerAsync();
        Assert.Equal(200, status);
        Assert.Equal(0, await http.ReadToEndAsync()); // the server closes first, so its side holds TIME_WAIT, not the client's ports
    }

    /// <summary>Completes once a connection to <paramref name="endPoint"/> is refused.</summary>
    private static async Task RefusedAsync(IPEndPoint endPoint)
    {
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Queued on the listening socket as it closed: the next attempt finds none.
            }

            await Task.Delay(20);
        }
    }
    /// <summary>
    /// A connection may outlive its listener (outside Kestrel, or a connection still closing): the pool the
    /// listener made when no IMemoryPoolFactory was given stays usable until the last of them is disposed.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_connection_that_outlives_its_listener_still_sends(string backend)
    {
        Skip.If(KestrelHost.OnSockets, "the factory is EporeX's");
        Backends.Open(backend).Dispose();
        var factory = new EporeXTransportFactory(Options.Create(new EporeXTransportOptions { Backend = backend, LoopCount = 1 }), NullLoggerFactory.Instance);
        var listener = await factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint).WaitAsync(Waiting.Long);
        var connection = (await listener.AcceptAsync().AsTask().WaitAsync(Waiting.Long))!;
        await listener.UnbindAsync();
        await listener.DisposeAsync();

        await connection.Transport.Output.WriteAsync("after"u8.ToArray()).AsTask().WaitAsync(Waiting.Long);
        var buffer = new byte[16];
        var n = await client.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Waiting.Long);
        Assert.Equal("after", Encoding.ASCII.GetString(buffer, 0, n));
        await connection.DisposeAsync().AsTask().WaitAsync(Waiting.Long);
    }
}
