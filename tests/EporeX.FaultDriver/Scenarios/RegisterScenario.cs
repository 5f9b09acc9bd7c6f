using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace EporeX.FaultDriver.Scenarios;

/// <summary>
/// Registration under a kernel that refuses some changes (ENOMEM from epoll_ctl): 16 pipes registered,
/// reregistered and deregistered on a Poll, and sockets registered with an EventLoop. A refused call must
/// throw <see cref="EventQueueException"/> with the errno and leave the registry as it was (a refused
/// Register registered nothing, a refused Reregister or Deregister kept the registration), a refused
/// <c>loop.Register</c> must leave the socket the caller's and open, and then the same call succeeds and
/// every registered descriptor reports its byte.
/// </summary>
internal static class RegisterScenario
{
    private const int Pipes = 16;

    public static void Run(ScenarioContext context)
    {
        // The Poll and the EventLoop exist before the fault: libkqueue's kqueue() alone makes several
        // epoll_ctl calls, which a refusal of every second one would never let through.
        var report = context.Report;
        var loop = context.OpenLoop();
        var poll = context.OpenPoll();
        context.AwaitGo();
        using (poll)
        {
            var registry = poll.Registry;
            var pipes = new (int Read, int Write)[Pipes];
            try
            {
                for (var i = 0; i < Pipes; i++)
                {
                    pipes[i] = Native.Pipe();
                    var fd = pipes[i].Read;
                    var token = new Token((ulong)i);
                    Changed(context, $"Register({i})", () => registry.Register(fd, token, Interest.Readable), () => !registry.IsRegistered(fd));
                }

                for (var i = 0; i < Pipes; i++)
                {
                    var fd = pipes[i].Read;
                    var token = new Token((ulong)(100 + i));
                    Changed(context, $"Reregister({i})", () => registry.Reregister(fd, token, Interest.Readable), () => registry.IsRegistered(fd));
                    Expect.True(Native.Write(pipes[i].Write, [1], out _) == 1, "write(pipe) failed");
                }

                report.Stage = "events";
                var seen = new bool[Pipes];
                var events = new Events(64);
                var clock = Stopwatch.StartNew();
                while (Array.IndexOf(seen, false) >= 0)
                {
                    Expect.True(clock.Elapsed < ScenarioContext.Traffic, $"pipe {Array.IndexOf(seen, false)} never reported its byte (a registration lost to a refusal)");
                    poll.Wait(events, TimeSpan.FromSeconds(1));
                    foreach (var e in events)
                    {
                        var index = (int)e.Token.Value - 100;
                        Expect.True(index is >= 0 and < Pipes, $"an event with token {e.Token.Value}: the token of a refused Reregister");
                        seen[index] = true;
                    }
                }

                for (var i = 0; i < Pipes; i++)
                {
                    var fd = pipes[i].Read;
                    Changed(context, $"Deregister({i})", () => registry.Deregister(fd), () => registry.IsRegistered(fd));
                }

                Expect.True(registry.Count == 0, $"{registry.Count} registrations left after deregistering all");
            }
            finally
            {
                foreach (var (read, write) in pipes)
                {
                    Native.Close(read);
                    Native.Close(write);
                }
            }
        }

        Loop(context, loop).GetAwaiter().GetResult();
        report.Stage = "done";
    }

    /// <summary>Retries a refused registry change after checking that the refusal changed nothing (<paramref name="unchanged"/>).</summary>
    private static void Changed(ScenarioContext context, string what, Action change, Func<bool> unchanged)
    {
        for (var attempt = 1; ; attempt++)
        {
            context.Report.Stage = what;
            try
            {
                change();
                return;
            }
            catch (EventQueueException e) when (context.IsRefusal(e) && attempt < 50)
            {
                Expect.True(unchanged(), $"a refused {what} changed the registry");
                context.Report.Add("refused");
            }
        }
    }

    /// <summary>Sockets registered with an EventLoop; a refused Register leaves the socket open and the caller's.</summary>
    private static async Task Loop(ScenarioContext context, EventLoop loop)
    {
        await using var owned = loop;
        using var listening = Loopback.Listen();
        for (var i = 0; i < 4; i++)
        {
            var client = Loopback.Connect(listening);
            using var server = listening.Accept();
            AsyncFd<Socket>? fd = null;
            for (var attempt = 1; fd is null; attempt++)
            {
                context.Report.Stage = $"loop.Register({i})";
                try
                {
                    fd = loop.Register(client, Interest.Readable);
                }
                catch (EventQueueException e) when (context.IsRefusal(e) && attempt < 50)
                {
                    Expect.True(!client.SafeHandle.IsClosed, "a refused loop.Register closed the socket it did not take");
                    context.Report.Add("refused");
                }
            }

            using (fd)
            {
                server.Send([(byte)i]);
                var buffer = new byte[1];
                Expect.True(await fd.ReadAsync(buffer).AsTask().WaitAsync(ScenarioContext.Traffic) == 1 && buffer[0] == i, "the registered socket lost its byte");
            }

            Expect.True(client.SafeHandle.IsClosed, "the AsyncFd did not close the socket it owned");
        }
    }
}
