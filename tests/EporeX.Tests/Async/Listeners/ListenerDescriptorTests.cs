using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EporeX.Tests.Async;

/// <summary>
/// The listener and the descriptor table: nothing leaked over 10,000 connections or a failed bind, and at
/// the descriptor limit (EMFILE) it neither spins nor dies, and refused peers see a clean close.
/// </summary>
[Collection(SerialCollection.Name)] // counts the process's descriptors and lowers its descriptor limit
public sealed class ListenerDescriptorTests(ITestOutputHelper output)
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Ten_thousand_connections_through_a_group_leave_the_descriptor_table_as_it_was(string backend)
    {
        const int Connections = 10_000;
        const int Batch = 20;
        await Settle(backend);
        var before = DescriptorTable.Baseline();
        var clock = Stopwatch.StartNew();

        var group = Groups.Open(backend, 2);
        var listener = EventLoopListener.Bind(group, AnyLoopbackPort);
        listener.Start(async (connection, cancellationToken) =>
            await connection.Fd.WriteAllAsync(new byte[] { 1 }, cancellationToken)); // then the listener closes it
        var endPoint = listener.LocalEndPoint;
        for (var done = 0; done < Connections; done += Batch)
        {
            await Task.WhenAll(Enumerable.Range(0, Batch).Select(_ => ConnectReceiveOneAndEnd(endPoint))).WaitAsync(AsyncLoops.Patience);
        }

        await listener.StopAsync().WaitAsync(AsyncLoops.Patience); // every callback has returned
        Assert.Equal(Connections, listener.AcceptedCount);
        await listener.DisposeAsync();
        group.Dispose();
        output.WriteLine($"{backend}: {Connections} connections in {clock.Elapsed.TotalSeconds:F1} s ({listener.Distribution})");
        DescriptorTable.AssertBackTo(before);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Dispose_and_a_failed_bind_close_every_descriptor_the_listener_opened(string backend)
    {
        await Settle(backend);
        var before = DescriptorTable.Baseline();
        var group = Groups.Open(backend, 3);
        var listener = EventLoopListener.Bind(group, AnyLoopbackPort);
        listener.Start(ListenerClients.Echo);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(new byte[] { 9 }, await ListenerClients.EchoAsync(listener.LocalEndPoint, [9]).WaitAsync(AsyncLoops.Patience));
        }

        using (var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            taken.Bind(AnyLoopbackPort);
            taken.Listen();
            Assert.Throws<SocketException>(() => EventLoopListener.Bind(group, taken.LocalEndPoint!)); // leaves nothing open
        }

        await listener.DisposeAsync();
        group.Dispose();
        DescriptorTable.AssertBackTo(before);
    }

    /// <summary>
    /// With the soft RLIMIT_NOFILE at the next free number, no descriptor can be opened: accept fails with
    /// EMFILE. The spare descriptor lets the listener take the pending connection and close it, so the peer
    /// reads end-of-stream (or a reset) instead of waiting in the backlog; the listener stays idle meanwhile
    /// and serves the next client once the limit is back.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task At_the_descriptor_limit_a_pending_peer_is_closed_cleanly_and_later_peers_are_served(string backend)
    {
        await Settle(backend);
        var logger = new CollectingLogger();
        await using var group = Groups.Open(backend, 1);
        await using var listener = EventLoopListener.Bind(group, AnyLoopbackPort, new EventLoopListenerOptions { Logger = logger });
        listener.Start(SendOneByte);
        var endPoint = listener.LocalEndPoint;
        AssertServed(endPoint); // warm: the paths below have run once

        // Created now: connecting them later opens no descriptor in this process.
        using var refused = ListenerClients.NewClient(endPoint);
        using var later = ListenerClients.NewClient(endPoint);
        long calls;
        int received;
        var limit = LowerDescriptorLimit(out var soft);
        try
        {
            refused.Connect(endPoint);
            received = ListenerClients.ReceiveOrReset(refused, new byte[1]);
            calls = await AcceptCallsOverOneSecond(listener); // a listener spinning on EMFILE would retry all through it
        }
        finally
        {
            Assert.True(NativeProcess.TrySetDescriptorLimit(soft), "could not restore RLIMIT_NOFILE");
        }

        output.WriteLine($"{backend}: limit {limit}; refused peer read {received}; {calls} accept calls in the second at the limit; refused {listener.RefusedCount}, backoffs {listener.BackoffCount}");
        Assert.True(received <= 0, $"the refused peer read {received} bytes: it was served although no descriptor was free");
        Assert.Equal(1, listener.RefusedCount);
        AssertNoSpin(calls);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("EMFILE", StringComparison.Ordinal));

        later.Connect(endPoint);
        AssertServed(later); // the listener survived
    }

    /// <summary>
    /// Without the spare descriptor, the pending connection waits in the backlog while the listener backs
    /// off (bounded CPU, a warning), and is served once descriptors are free again.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Without_a_spare_the_listener_backs_off_at_the_limit_and_serves_the_waiting_peer_afterwards(string backend)
    {
        await Settle(backend);
        var logger = new CollectingLogger();
        await using var group = Groups.Open(backend, 1);
        await using var listener = EventLoopListener.Bind(group, AnyLoopbackPort, new EventLoopListenerOptions
        {
            Logger = logger,
            ReserveDescriptor = false,
            MaxAcceptBackoff = TimeSpan.FromMilliseconds(200),
        });
        listener.Start(SendOneByte);
        var endPoint = listener.LocalEndPoint;
        AssertServed(endPoint);

        using var waiting = ListenerClients.NewClient(endPoint);
        long calls;
        long backoffs;
        var limit = LowerDescriptorLimit(out var soft);
        try
        {
            waiting.Connect(endPoint);
            calls = await AcceptCallsOverOneSecond(listener); // pauses of 5, 10, 20… ms, capped at 200: about 9 attempts
            backoffs = listener.BackoffCount;
        }
        finally
        {
            Assert.True(NativeProcess.TrySetDescriptorLimit(soft), "could not restore RLIMIT_NOFILE");
        }

        output.WriteLine($"{backend}: limit {limit}; {backoffs} back-offs; {calls} accept calls in the second at the limit");
        Assert.InRange(backoffs, 1, 12); // it retried, but on a schedule: a loop without pauses would count none or thousands
        AssertNoSpin(calls);
        Assert.Equal(0, listener.RefusedCount);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("EMFILE", StringComparison.Ordinal));

        AssertServed(waiting); // it waited in the backlog and is served now
        AssertServed(endPoint);
    }

    /// <summary>The listener's accept4 calls over one second of wall time.</summary>
    private static async Task<long> AcceptCallsOverOneSecond(EventLoopListener listener)
    {
        var before = listener.AcceptCallCount;
        await Task.Delay(TimeSpan.FromSeconds(1));
        return listener.AcceptCallCount - before;
    }

    /// <summary>
    /// A listener that waits makes a handful of accept calls in that second (one that fails, then one per
    /// pause of its back-off); one that retries without pause makes them by the hundred thousand, and still
    /// by the thousand on a core shared with a busy loop. Counting calls, not CPU time, keeps the tests
    /// that run beside this one out of the measure.
    /// </summary>
    private static void AssertNoSpin(long acceptCalls) =>
        Assert.True(acceptCalls <= 20, $"the listener called accept {acceptCalls} times in a second at the descriptor limit");

    /// <summary>The server side: one byte, then the listener closes the connection (the server closes first).</summary>
    private static async ValueTask SendOneByte(AcceptedConnection connection, CancellationToken cancellationToken) =>
        await connection.Fd.WriteAllAsync(new byte[] { 5 }, cancellationToken);

    /// <summary>
    /// A blocking client that must be served its one byte and then see the server's close, so that the
    /// server's end of it is closed when this returns (the next free descriptor number is then stable).
    /// </summary>
    private static void AssertServed(Socket client)
    {
        Assert.Equal(1, ListenerClients.ReceiveOrReset(client, new byte[1]));
        Assert.Equal(0, ListenerClients.ReceiveOrReset(client, new byte[1]));
    }

    private static void AssertServed(EndPoint endPoint)
    {
        using var client = ListenerClients.NewClient(endPoint);
        client.Connect(endPoint);
        AssertServed(client);
    }

    private static async Task ConnectReceiveOneAndEnd(EndPoint endPoint)
    {
        using var client = ListenerClients.NewClient(endPoint);
        await client.ConnectAsync(endPoint);
        var buffer = new byte[2];
        Assert.Equal(1, await client.ReceiveAsync(buffer));
        Assert.Equal(0, await client.ReceiveAsync(buffer)); // the listener closed its end when the callback returned
    }

    /// <summary>Sets the soft limit to the next free descriptor number: from now on no descriptor can be opened.</summary>
    private static ulong LowerDescriptorLimit(out ulong soft)
    {
        (soft, _) = NativeProcess.DescriptorLimit();
        var limit = (ulong)DescriptorTable.NextFree(1)[0];
        Skip.IfNot(NativeProcess.TrySetDescriptorLimit(limit), "setrlimit(RLIMIT_NOFILE) is refused here");
        return limit;
    }

    /// <summary>One full cycle first, so that what loads once (native libraries, .NET's socket engine) is not counted.</summary>
    private static async Task Settle(string backend)
    {
        _ = typeof(Dns).Assembly.FullName; // loaded on first use by Socket.ConnectAsync, with descriptors the runtime keeps open
        await using var group = Groups.Open(backend, 1);
        await using var listener = EventLoopListener.Bind(group, AnyLoopbackPort);
        listener.Start(ListenerClients.Echo);
        await ListenerClients.EchoAsync(listener.LocalEndPoint, [1]).WaitAsync(AsyncLoops.Patience);
    }
}
