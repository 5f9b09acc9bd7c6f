using System;
using System.Diagnostics;
using System.Threading;

namespace EporeX.FaultDriver.Scenarios;

/// <summary>
/// The synchronous API on one thread: a Poll with a TCP connection and a pipe carrying checked bytes, a
/// Waker woken from another thread (each wake acknowledged before the next), a periodic TimerSource, a
/// SignalSource for SIGUSR1 and a ProcessExitSource. Every byte, wake, signal and the exit must arrive;
/// then a wait on a quiet Poll must last its whole timeout (EINTR resumed with the time left, not returned
/// as "nothing"), and an unbounded wait must return with the wake that ends it, not empty.
/// Without <c>signalsAndChildren</c> ("wake") no signal is sent and no child ends (SIGCHLD): the runtime
/// aborts the process when its own signal handler's write to its signal pipe fails (System.Native), so
/// a fault injected into every write cannot run beside signals.
/// </summary>
internal static class PollScenario
{
    private const int TcpBytes = 256 * 1024;
    private const int PipeBytes = 64 * 1024;
    private const int Wakes = 40;
    private const int Signals = 3;
    private const int TimerTicks = 3;

    private static readonly Token TcpToken = new(1);
    private static readonly Token PipeToken = new(2);
    private static readonly Token WakerToken = new(3);
    private static readonly Token TimerToken = new(4);
    private static readonly Token SignalToken = new(5);
    private static readonly Token ExitToken = new(6);

    public static void Run(ScenarioContext context, bool signalsAndChildren)
    {
        var signalsWanted = signalsAndChildren ? Signals : 0;
        var report = context.Report;
        var writer = Background.Prepare("writer");
        var wakerThread = Background.Prepare("waker");
        var lateWaker = Background.Prepare("late waker");
        context.AwaitGo();
        using var poll = context.Refusable("Poll", context.OpenPoll);
        var registry = poll.Registry;
        using var listener = Loopback.Listen();
        using var client = Loopback.Connect(listener);
        using var server = listener.Accept();
        server.Blocking = false;
        var (pipeRead, pipeWrite) = Native.Pipe();
        try
        {
            context.Refusable("Register(tcp)", () => registry.Register(server, TcpToken, Interest.Readable));
            context.Refusable("Register(pipe)", () => registry.Register(pipeRead, PipeToken, Interest.Readable));
            using var waker = context.Refusable("Waker", () => new Waker(registry, WakerToken));
            using var timer = context.Refusable("TimerSource", () => new TimerSource(registry, TimerToken));
            using var signal = context.Refusable("SignalSource", () => new SignalSource(registry, SignalToken, Native.SIGUSR1));
            var exit = signalsAndChildren ? context.Refusable("ProcessExitSource", () => new ProcessExitSource(registry, ExitToken, context.Child)) : null;
            if (signalsAndChildren)
            {
                context.EndChild();
            }

            context.Refusable("TimerSource.Arm", () => timer.Arm(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20)));

            var acknowledged = new SemaphoreSlim(0);
            writer.Run(() =>
            {
                Streams.Send(client, new Pattern(1, TcpBytes));
                Streams.Write(pipeWrite, new Pattern(2, PipeBytes));
            });
            wakerThread.Run(() =>
            {
                for (var i = 0; i < Wakes; i++)
                {
                    waker.Wake();
                    Expect.True(acknowledged.Wait(ScenarioContext.Traffic), $"wake {i + 1} of {Wakes} was not seen (a lost wake)");
                }
            });

            report.Stage = "traffic";
            Expect.True(!signalsAndChildren || Native.Kill(Environment.ProcessId, Native.SIGUSR1) == 0, "kill(SIGUSR1) failed");
            var tcp = new Receiver(new Pattern(1, TcpBytes), "tcp");
            var pipe = new Receiver(new Pattern(2, PipeBytes), "pipe");
            long wakes = 0, signals = 0, ticks = 0;
            var exited = !signalsAndChildren;
            var events = new Events(64);
            var clock = Stopwatch.StartNew();
            while (!(tcp.Done && pipe.Done && wakes == Wakes && signals >= signalsWanted && ticks >= TimerTicks && exited))
            {
                Expect.True(clock.Elapsed < ScenarioContext.Traffic,
                    $"lost: tcp {tcp.Received}/{TcpBytes} B, pipe {pipe.Received}/{PipeBytes} B, wakes {wakes}/{Wakes}, signals {signals}/{signalsWanted}, timer {ticks}/{TimerTicks}, exit {exited}");
                poll.Wait(events, TimeSpan.FromSeconds(1));
                foreach (var e in events)
                {
                    if (e.Token == TcpToken)
                    {
                        tcp.Drain(buffer => Streams.Receive(server, buffer));
                    }
                    else if (e.Token == PipeToken)
                    {
                        pipe.Drain(buffer => Streams.Read(pipeRead, buffer));
                    }
                    else if (e.Token == WakerToken)
                    {
                        wakes++;
                        Expect.True(wakes <= Wakes, $"{wakes} wake events for {Wakes} wakes (they must coalesce, never repeat)");
                        acknowledged.Release();
                    }
                    else if (e.Token == TimerToken)
                    {
                        ticks += timer.Consume();
                    }
                    else if (e.Token == SignalToken && signal.Consume() > 0 && ++signals < Signals)
                    {
                        Expect.True(Native.Kill(Environment.ProcessId, Native.SIGUSR1) == 0, "kill(SIGUSR1) failed");
                    }
                    else if (e.Token == ExitToken)
                    {
                        exited = true;
                    }
                }
            }

            writer.Join();
            wakerThread.Join();
            report.Set("tcpBytes", tcp.Received);
            report.Set("pipeBytes", pipe.Received);
            report.Set("wakes", wakes);
            report.Set("signals", signals);
            report.Set("timerTicks", ticks);

            // The exit stays readable (level): gone before the quiet wait.
            exit?.Dispose();
            timer.Disarm();
            Timeouts(poll, waker, lateWaker, events, report);
        }
        finally
        {
            Native.Close(pipeRead);
            Native.Close(pipeWrite);
        }
    }

    /// <summary>A quiet wait lasts its whole timeout; an unbounded one returns with the wake that ends it.</summary>
    private static void Timeouts(Poll poll, Waker waker, Background lateWaker, Events events, Report report)
    {
        report.Stage = "quiet wait";
        while (poll.Wait(events, TimeSpan.Zero) > 0)
        {
            // a timer tick or signal that came after the last count: the quiet wait starts from nothing
        }

        var timeout = TimeSpan.FromMilliseconds(300);
        var clock = Stopwatch.StartNew();
        var n = poll.Wait(events, timeout);
        var took = clock.Elapsed;
        Expect.True(n == 0, $"a quiet wait reported {n} events");
        Expect.True(took >= timeout - TimeSpan.FromMilliseconds(1), $"a {timeout.TotalMilliseconds} ms wait returned after {took.TotalMilliseconds:F1} ms (an interrupted wait must resume with the time left)");
        report.Set("quietWaitMs", (long)took.TotalMilliseconds);

        report.Stage = "unbounded wait";
        lateWaker.Run(() =>
        {
            Thread.Sleep(100); // not a synchronisation: the wait must return whenever the wake comes
            waker.Wake();
        });
        n = poll.Wait(events, null);
        Expect.True(n >= 1, "an unbounded wait returned with no event (it must only return for one)");
        lateWaker.Join();
    }
}

/// <summary>Drains a non-blocking descriptor into a checked stream.</summary>
internal sealed class Receiver(Pattern pattern, string name)
{
    private readonly byte[] _buffer = new byte[16 * 1024];

    public long Received { get; private set; }

    public bool Done => Received == pattern.Length;

    /// <summary>Reads until <paramref name="read"/> says it would block (-1); 0 (end of stream) is an error before the end.</summary>
    public void Drain(Func<byte[], int> read)
    {
        int n;
        while ((n = read(_buffer)) != -1)
        {
            Expect.True(n > 0 || Done, $"{name}: end of stream after {Received} of {pattern.Length} bytes");
            if (n == 0)
            {
                return;
            }

            pattern.Check(_buffer.AsSpan(0, n), Received, name);
            Received += n;
        }
    }
}
