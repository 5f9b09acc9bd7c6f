using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace EporeX.FaultDriver.Scenarios;

/// <summary>
/// An EventLoopListener (one loop, one acceptor) whose accepts fail. <c>listener</c>: with some accepts
/// failing as a pending connection's network error does (Linux reports those from accept itself), every
/// client is still served, one after another: the listener goes on. <c>listener-refused</c>: with every
/// accept refused (EPERM, as a security module refuses one, the connection staying queued), accepting
/// pauses rather than spin, and <c>DisposeAsync</c> still ends. <c>listener-broken</c>: with every accept
/// failing as only a broken listening socket fails (EINVAL: not listening), the listener stops and closes
/// its socket at once, so that the next client is refused rather than left waiting in a backlog nobody reads.
/// </summary>
internal static class ListenerScenario
{
    private const int Clients = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public enum Fault
    {
        SomeAcceptsFail,
        EveryAcceptRefused,
        ListenerBroken,
    }

    public static void Run(ScenarioContext context, Fault fault)
    {
        var group = new EventLoopGroup(new EventLoopGroupOptions { Backend = context.Backend, LoopCount = 1 });
        var listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, 0));
        listener.Start(static (connection, cancellationToken) => connection.Fd.WriteAllAsync(new byte[] { 42 }, cancellationToken));
        context.AwaitGo();
        (fault switch
        {
            Fault.SomeAcceptsFail => ServesAsync(context, listener),
            Fault.EveryAcceptRefused => PausesAsync(context, listener),
            _ => ClosesAsync(context, listener),
        }).GetAwaiter().GetResult();
        group.Dispose();
    }

    private static async Task ServesAsync(ScenarioContext context, EventLoopListener listener)
    {
        context.Report.Stage = "traffic";
        for (var i = 0; i < Clients; i++)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint).WaitAsync(Patience);
            var buffer = new byte[1];
            var received = client.ReceiveAsync(buffer.AsMemory()).AsTask();
            Expect.True(await Task.WhenAny(received, Task.Delay(Patience)) == received, $"client {i} was never served: the listener stopped accepting after a failed accept");
            Expect.True(await received == 1 && buffer[0] == 42, $"client {i} read the wrong answer");
            context.Report.Add("served");
        }

        await Ends(context, listener);
    }

    private static async Task PausesAsync(ScenarioContext context, EventLoopListener listener)
    {
        context.Report.Stage = "refused";
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint).WaitAsync(Patience); // the kernel completes it; it waits in the backlog
        var clock = Stopwatch.StartNew();
        while (listener.BackoffCount < 2 && clock.Elapsed < Patience)
        {
            await Task.Delay(20);
        }

        context.Report.Set("backoffs", listener.BackoffCount);
        Expect.True(listener.BackoffCount >= 2, "accepting never paused: the refused accept was tried again without end");
        await Ends(context, listener);
    }

    private static async Task ClosesAsync(ScenarioContext context, EventLoopListener listener)
    {
        context.Report.Stage = "broken";
        using (var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            try
            {
                await first.ConnectAsync(listener.LocalEndPoint).WaitAsync(Patience); // its readiness meets the broken accept
            }
            catch (SocketException)
            {
                // The listening socket closed while the connect was still being reported (a reset): that is the point.
            }
        }

        var clock = Stopwatch.StartNew();
        SocketError refused;
        do
        {
            await Task.Delay(20);
            using var next = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await next.ConnectAsync(listener.LocalEndPoint).WaitAsync(Patience);
                refused = SocketError.Success;
            }
            catch (SocketException e)
            {
                refused = e.SocketErrorCode;
            }
        }
        while (refused != SocketError.ConnectionRefused && clock.Elapsed < Patience);

        Expect.True(refused == SocketError.ConnectionRefused, $"a client could still connect ({refused}) to a listener whose accepting had ended: its socket was left open");
        await Ends(context, listener);
    }

    private static async Task Ends(ScenarioContext context, EventLoopListener listener)
    {
        context.Report.Stage = "dispose";
        var disposing = listener.DisposeAsync().AsTask();
        Expect.True(await Task.WhenAny(disposing, Task.Delay(Patience)) == disposing, "DisposeAsync did not end: an accept loop never looked at the stop");
        context.Report.Stage = "done";
    }
}
