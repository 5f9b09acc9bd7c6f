using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>EventLoopListener on every backend: endpoints, spreading over the loops, bursts, stop and dispose.</summary>
public sealed class EventLoopListenerTests
{
    [SkippableTheory]
    [MemberData(nameof(ListenerClients.BackendsWithEndpoints), MemberType = typeof(ListenerClients))]
    public async Task An_accepted_connection_is_registered_on_a_loop_of_the_group_and_carries_data_both_ways(string backend, string kind)
    {
        var endPoint = ListenerClients.Endpoint(kind);
        await using var group = Groups.Open(backend, 2);
        var listener = EventLoopListener.Bind(group, endPoint);
        try
        {
            if (listener.LocalEndPoint is IPEndPoint bound)
            {
                Assert.NotEqual(0, bound.Port); // the port the kernel chose
                Assert.Equal(((IPEndPoint)endPoint).Address, bound.Address);
            }
            else
            {
                Assert.Equal(ListenerDistribution.Acceptor, listener.Distribution); // Unix sockets cannot share a path
                Assert.True(File.Exists(endPoint.ToString()));
            }

            using var client = ListenerClients.NewClient(listener.LocalEndPoint);
            await client.ConnectAsync(listener.LocalEndPoint).WaitAsync(AsyncLoops.Patience);
            await using var connection = await AsyncLoops.Within(listener.AcceptAsync());
            Assert.Contains(connection.Loop, group);
            Assert.Equal(Interest.Readable | Interest.Writable, connection.Fd.Interest);
            if (kind != "unix")
            {
                Assert.Equal(client.LocalEndPoint, connection.RemoteEndPoint);
            }

            await client.SendAsync("ping"u8.ToArray());
            var buffer = new byte[4];
            Assert.Equal(4, await AsyncLoops.Within(connection.Fd.ReadAsync(buffer)));
            Assert.Equal("ping"u8.ToArray(), buffer);
            await AsyncLoops.Within(connection.Fd.WriteAllAsync("pong"u8.ToArray()));
            Assert.Equal("pong"u8.ToArray(), await ListenerClients.ReceiveExactly(client, 4).WaitAsync(AsyncLoops.Patience));
            Assert.Equal(1, listener.AcceptedCount);
            connection.Dispose(); // closes it: the client reads end-of-stream; `await using` disposes again, harmlessly
            Assert.Equal(0, ListenerClients.ReceiveOrReset(client, new byte[1]));
            Assert.Throws<ObjectDisposedException>(() => AsyncLoops.Start(connection.Fd.ReadAsync(new byte[1])));
        }
        finally
        {
            await listener.DisposeAsync();
        }

        if (kind == "unix")
        {
            Assert.False(File.Exists(endPoint.ToString()), "the listener's socket file is deleted when it stops");
        }
    }

    /// <summary>
    /// A port that a listener holds is refused to a second one, whatever the distribution of either, as any
    /// bind refuses it. Sockets that share a port through SO_REUSEPORT would otherwise take a share of the
    /// first server's connections (a second instance of an app, started by mistake, serving half its clients).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(ListenerClients.BackendsWithDistributions), MemberType = typeof(ListenerClients))]
    public async Task A_port_another_listener_holds_is_refused_and_its_connections_stay_its_own(string backend, ListenerDistribution distribution)
    {
        await using var group = Groups.Open(backend, 2);
        EventLoopListener first;
        try
        {
            first = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0), new EventLoopListenerOptions { Distribution = distribution });
        }
        catch (NotSupportedException e) when (distribution == ListenerDistribution.ReusePort && !OperatingSystem.IsLinux())
        {
            Skip.If(true, e.Message);
            return;
        }

        await using (first)
        {
            foreach (var second in new[] { ListenerDistribution.Auto, ListenerDistribution.ReusePort, ListenerDistribution.Acceptor })
            {
                EventLoopListener? taken = null;
                var error = Record.Exception(() => taken = EventLoopListener.Bind(group, first.LocalEndPoint, new EventLoopListenerOptions { Distribution = second }));
                if (taken is not null)
                {
                    await taken.DisposeAsync();
                }

                Assert.True(
                    error is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || (error is NotSupportedException && !OperatingSystem.IsLinux()),
                    $"{second} on the port of a {first.Distribution} listener: {error?.ToString() ?? "bound"}");
            }

            first.Start((connection, cancellationToken) => connection.Fd.WriteAllAsync(new byte[] { 7 }, cancellationToken));
            for (var i = 0; i < 20; i++)
            {
                using var client = ListenerClients.NewClient(first.LocalEndPoint);
                await client.ConnectAsync(first.LocalEndPoint);
                Assert.Equal(new byte[] { 7 }, await ListenerClients.ReceiveExactly(client, 1).WaitAsync(AsyncLoops.Patience));
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(ListenerClients.BackendsWithDistributions), MemberType = typeof(ListenerClients))]
    public async Task Connections_are_spread_over_every_loop_of_the_group(string backend, ListenerDistribution distribution)
    {
        const int Loops = 3;
        const int Connections = 90;
        await using var group = Groups.Open(backend, Loops);
        EventLoopListener listener;
        try
        {
            listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0), new EventLoopListenerOptions { Distribution = distribution });
        }
        catch (NotSupportedException e) when (distribution == ListenerDistribution.ReusePort && !OperatingSystem.IsLinux())
        {
            Skip.If(true, e.Message);
            return;
        }

        await using (listener)
        {
            Assert.Equal(distribution, listener.Distribution);
            Assert.Equal(distribution == ListenerDistribution.ReusePort ? Loops : 1, listener.ListeningSocketCount);
            var served = new ConcurrentBag<int>();
            listener.Start(async (connection, cancellationToken) =>
            {
                served.Add(group.IndexOf(connection.Loop));
                await connection.Fd.WriteAllAsync(new byte[] { 7 }, cancellationToken);
            });

            for (var i = 0; i < Connections; i++)
            {
                using var client = ListenerClients.NewClient(listener.LocalEndPoint);
                await client.ConnectAsync(listener.LocalEndPoint);
                Assert.Equal(new byte[] { 7 }, await ListenerClients.ReceiveExactly(client, 1).WaitAsync(AsyncLoops.Patience));
            }

            var perLoop = Enumerable.Range(0, Loops).Select(loop => served.Count(l => l == loop)).ToArray();
            Assert.Equal(Connections, perLoop.Sum());
            if (distribution == ListenerDistribution.Acceptor)
            {
                Assert.Equal(new[] { 30, 30, 30 }, perLoop); // round robin, one connection at a time
            }
            else
            {
                Assert.All(perLoop, count => Assert.True(count > 0, $"a loop got no connection: [{string.Join(", ", perLoop)}]"));
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_burst_of_three_hundred_connections_is_served_in_full(string backend)
    {
        const int Clients = 300;
        await using var group = Groups.Open(backend, 2);
        await using var listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start(ListenerClients.Echo);

        // All connect at once: the backlog fills before the listener's next turn, so it accepts in bursts.
        var clients = Enumerable.Range(0, Clients).Select(i => ListenerClients.EchoAsync(listener.LocalEndPoint, [(byte)i, (byte)(i >> 8)])).ToArray();
        var echoes = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));
        for (var i = 0; i < Clients; i++)
        {
            Assert.Equal(new[] { (byte)i, (byte)(i >> 8) }, echoes[i]);
        }

        Assert.Equal(Clients, listener.AcceptedCount);
        Assert.Equal(0, listener.RefusedCount);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task On_inline_loops_a_waiting_accept_continues_on_the_loop_thread_that_accepted(string backend)
    {
        await using var group = Groups.Open(backend, 1, inline: true);
        await using var listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0));
        var clients = new System.Collections.Generic.List<Socket>();

        // The accept loop's first turn starts on the thread pool, and a connection that arrives before it
        // waits is accepted there; from then on, accepting runs on the loop thread. So the first rounds
        // settle it, and the last is asserted.
        var onLoopThread = false;
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var accepted = ContinueAfterAccept(listener.AcceptAsync()); // nothing to accept yet: it waits
                Assert.False(accepted.IsCompleted);
                var client = ListenerClients.NewClient(listener.LocalEndPoint);
                clients.Add(client);
                await client.ConnectAsync(listener.LocalEndPoint).WaitAsync(AsyncLoops.Patience);
                AcceptedConnection connection;
                (connection, onLoopThread) = await accepted.WaitAsync(AsyncLoops.Patience);
                await connection.DisposeAsync();
            }
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }

        // Queued to the thread pool instead, it would run on a pool thread: one more trip per connection.
        Assert.True(onLoopThread, "the continuation ran on the loop thread");

        static async Task<(AcceptedConnection, bool)> ContinueAfterAccept(ValueTask<AcceptedConnection> accept)
        {
            var connection = await accept.ConfigureAwait(false);
            return (connection, connection.Loop.IsLoopThread);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Stop_ends_pending_accepts_with_a_clear_error_and_closes_the_port(string backend)
    {
        await using var group = Groups.Open(backend, 2);
        var listener = BindOnAPortNoOtherTestIsGiven(group);
        var endPoint = listener.LocalEndPoint;
        var pending = listener.AcceptAsync().AsTask();

        await listener.StopAsync().WaitAsync(AsyncLoops.Patience);

        var stopped = await Assert.ThrowsAsync<InvalidOperationException>(() => pending.WaitAsync(AsyncLoops.Patience));
        Assert.Contains("stopped", stopped.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => listener.AcceptAsync().AsTask());
        Assert.Throws<InvalidOperationException>(() => listener.Start(ListenerClients.Echo));
        using (var late = ListenerClients.NewClient(endPoint))
        {
            var refused = Assert.Throws<SocketException>(() => late.Connect(endPoint));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        await listener.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => AsyncLoops.Start(listener.AcceptAsync()));
        await listener.DisposeAsync(); // again: nothing
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Dispose_closes_the_connections_callbacks_still_hold_and_waits_for_them(string backend)
    {
        await using var group = Groups.Open(backend, 2);
        var listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Start(async (connection, cancellationToken) =>
        {
            entered.SetResult();
            try
            {
                await connection.Fd.ReadAsync(new byte[1], cancellationToken); // the client never writes
                ended.SetResult(null);
            }
            catch (Exception e)
            {
                ended.SetResult(e);
                throw;
            }
        });

        using var client = ListenerClients.NewClient(listener.LocalEndPoint);
        await client.ConnectAsync(listener.LocalEndPoint);
        await entered.Task.WaitAsync(AsyncLoops.Patience);

        await listener.DisposeAsync().AsTask().WaitAsync(AsyncLoops.Patience);

        Assert.True(ended.Task.IsCompleted, "DisposeAsync returned before the callback did");
        Assert.True(await ended.Task is OperationCanceledException or ObjectDisposedException, $"the callback's read ended with {ended.Task.Result}");
        Assert.Equal(0, ListenerClients.ReceiveOrReset(client, new byte[1])); // its connection was closed
    }

    /// <summary>
    /// A callback that stops or disposes its own listener (a "shut down" command on a connection) is not
    /// waited for, which would never end, while the other running callbacks still are.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_callback_that_awaits_its_own_listeners_stop_and_dispose_is_not_waited_for(string backend)
    {
        await using var group = Groups.Open(backend, 2);
        var listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0));
        var otherEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var otherEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = true;
        listener.Start(async (connection, cancellationToken) =>
        {
            if (Interlocked.Exchange(ref first, false))
            {
                otherEntered.SetResult(); // the other callback: it returns only when the test releases it
                await release.Task;
                otherEnded.SetResult();
                return;
            }

            await listener.StopAsync(CancellationToken.None); // not the callback's token: the dispose below cancels it
            stopped.SetResult(otherEnded.Task.IsCompleted); // a stop waits for the other callbacks
            await listener.DisposeAsync();
            disposed.SetResult();
        });

        using var other = ListenerClients.NewClient(listener.LocalEndPoint);
        await other.ConnectAsync(listener.LocalEndPoint);
        await otherEntered.Task.WaitAsync(AsyncLoops.Patience);
        using var commander = ListenerClients.NewClient(listener.LocalEndPoint);
        await commander.ConnectAsync(listener.LocalEndPoint);

        await Task.Delay(100);
        Assert.False(stopped.Task.IsCompleted, "the stop did not wait for the other running callback");
        release.SetResult();
        Assert.True(await stopped.Task.WaitAsync(AsyncLoops.Patience), "the stop returned before the other callback");
        await disposed.Task.WaitAsync(AsyncLoops.Patience);
        await listener.DisposeAsync().AsTask().WaitAsync(AsyncLoops.Patience); // and from outside, after: returns too
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_group_disposed_under_the_listener_ends_pending_accepts_with_the_reason(string backend)
    {
        var group = Groups.Open(backend, 2);
        await using var listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0));
        var pending = listener.AcceptAsync().AsTask();

        group.Dispose();

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => pending.WaitAsync(AsyncLoops.Patience));
        Assert.IsType<ObjectDisposedException>(failed.InnerException);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task The_listener_counters_are_observed_under_the_EporeX_meter(string backend)
    {
        await using var group = Groups.Open(backend, 2);
        await using var listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start(ListenerClients.Echo);
        for (var i = 0; i < 3; i++)
        {
            await ListenerClients.EchoAsync(listener.LocalEndPoint, [1]).WaitAsync(AsyncLoops.Patience);
        }

        var endPoint = listener.LocalEndPoint.ToString();
        long? accepted = null;
        string? distribution = null;
        using (var meterListener = new System.Diagnostics.Metrics.MeterListener())
        {
            meterListener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == EventQueueMetrics.MeterName && instrument.Name == EventLoopListenerMetrics.Accepted)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            meterListener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                var tagged = tags.ToArray();
                if (tagged.Any(t => t.Key == EventLoopListenerMetrics.EndPointTag && Equals(t.Value, endPoint)))
                {
                    accepted = value;
                    distribution = tagged.Single(t => t.Key == EventLoopListenerMetrics.DistributionTag).Value as string;
                }
            });
            meterListener.Start();
            meterListener.RecordObservableInstruments();
        }

        Assert.Equal(3, accepted);
        Assert.Equal(listener.Distribution.ToString(), distribution);
    }

    /// <summary>
    /// A listener on a port below the kernel's ephemeral range (32768 up, by default): a test running
    /// meanwhile that binds port 0 cannot be given it once it is closed, so a refused connect proves the close.
    /// </summary>
    private static EventLoopListener BindOnAPortNoOtherTestIsGiven(EventLoopGroup group)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, Random.Shared.Next(20000, 32000)));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 100)
            {
            }
        }
    }
}
