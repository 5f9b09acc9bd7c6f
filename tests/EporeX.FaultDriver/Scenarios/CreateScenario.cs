using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace EporeX.FaultDriver.Scenarios;

/// <summary>
/// Every object that opens a descriptor, one after another on one thread: Poll, Waker, TimerSource,
/// SignalSource, ProcessExitSource, EventLoop, a listening Socket and an accepted one (through the loop).
/// A creation refused with the expected errno (EMFILE) must fail with its documented type and leave the
/// open descriptors exactly as they were; the same call then succeeds, the object serves one event, and
/// disposing it gives every descriptor back.
/// </summary>
internal static class CreateScenario
{
    private static readonly Token Token = new(7);

    public static void Run(ScenarioContext context)
    {
        context.AwaitGo();
        var report = context.Report;
        var start = OpenDescriptors.Now();
        using (var first = context.Refusable("Poll", context.OpenPoll, start))
        {
            first.Wait(new Events(4), TimeSpan.Zero);
        }

        OpenDescriptors.ExpectBackTo(start, "Poll.Dispose");
        var events = new Events(16);
        using (var poll = context.Refusable("Poll", context.OpenPoll, start))
        {
            var registry = poll.Registry;
            var baseline = OpenDescriptors.Now();
            using (var waker = context.Refusable("Waker", () => new Waker(registry, Token), baseline))
            {
                waker.Wake();
                Served(poll, events, "Waker");
            }

            OpenDescriptors.ExpectBackTo(baseline, "Waker.Dispose");
            using (var timer = context.Refusable("TimerSource", () => new TimerSource(registry, Token), baseline))
            {
                // kqueue makes its knote, and libkqueue its timerfd, at Arm: a refusal comes from there.
                context.Refusable("TimerSource.Arm", () => timer.Arm(TimeSpan.FromMilliseconds(1)), baseline);
                Served(poll, events, "TimerSource");
                Expect.True(timer.Consume() == 1, "the timer did not count its expiry");
            }

            OpenDescriptors.ExpectBackTo(baseline, "TimerSource.Dispose");
            using (var signal = context.Refusable("SignalSource", () => new SignalSource(registry, Token, Native.SIGUSR1), baseline))
            {
                Expect.True(Native.Kill(Environment.ProcessId, Native.SIGUSR1) == 0, "kill failed");
                Served(poll, events, "SignalSource");
            }

            OpenDescriptors.ExpectBackTo(baseline, "SignalSource.Dispose");
            using (var exit = context.Refusable("ProcessExitSource", () => new ProcessExitSource(registry, Token, context.Child), baseline))
            {
                context.EndChild();
                Served(poll, events, "ProcessExitSource");
            }

            OpenDescriptors.ExpectBackTo(baseline, "ProcessExitSource.Dispose");
        }

        OpenDescriptors.ExpectBackTo(start, "Poll.Dispose");
        LoopAndSockets(context, start).GetAwaiter().GetResult();
        OpenDescriptors.ExpectBackTo(start, "EventLoop.Dispose");
        report.Stage = "done";
    }

    /// <summary>An EventLoop, a listening socket registered with it, a connection accepted through it, one byte echoed.</summary>
    private static async Task LoopAndSockets(ScenarioContext context, System.Collections.Generic.SortedSet<int> start)
    {
        await using var loop = context.Refusable("EventLoop", context.OpenLoop, start);
        var baseline = OpenDescriptors.Now();
        var listening = context.Refusable("Socket", () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), baseline);
        listening.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listening.Listen(8);
        listening.Blocking = false;
        using var listener = loop.Register(listening, Interest.Readable);
        using var client = context.Refusable("Socket", () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        client.Connect((System.Net.IPEndPoint)listening.LocalEndPoint!);
        context.Report.Stage = "accept";
        var withClient = OpenDescriptors.Now();
        var acceptTask = Accepting.AcceptAsync(context, listener);
        using var accepted = loop.Register(await acceptTask.WaitAsync(ScenarioContext.Traffic), Interest.Readable | Interest.Writable);
        Expect.True(OpenDescriptors.Now().Count == withClient.Count + 1, "a refused accept left a descriptor open");
        client.Send([42]);
        var buffer = new byte[1];
        Expect.True(await accepted.ReadAsync(buffer).AsTask().WaitAsync(ScenarioContext.Traffic) == 1 && buffer[0] == 42, "the accepted connection lost its byte");
    }

    /// <summary>One event with the token arrives.</summary>
    private static void Served(Poll poll, Events events, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ScenarioContext.Traffic)
        {
            poll.Wait(events, TimeSpan.FromSeconds(1));
            foreach (var e in events)
            {
                if (e.Token == Token)
                {
                    return;
                }
            }
        }

        throw new ExpectationException($"the {what} created after a refusal delivered no event");
    }
}
