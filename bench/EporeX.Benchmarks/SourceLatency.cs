using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Benchmarks;

/// <summary>
/// Measured, not micro-benchmarked: timer lateness at a 1 ms period on an idle loop (TimerSource per
/// backend beside System.Threading.PeriodicTimer), and child exit → event latency (ProcessExitSource per
/// backend beside Process.WaitForExitAsync). Prints p50 / p99 / max in microseconds.
/// </summary>
internal static class SourceLatency
{
    /// <summary><c>timerlateness [EXPIRIES [PERIOD_US]]</c>.</summary>
    public static int Timers(string[] args)
    {
        var expiries = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
        var period = TimeSpan.FromMicroseconds(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000);
        Console.WriteLine($"timer lateness, period {period.TotalMicroseconds} us, {expiries} expiries; lateness = wake-up time - the deadline of the last expiration consumed (us)");
        Console.WriteLine($"{"timer",-28} {"p50",8} {"p99",8} {"max",8} {"events",7} {"expiries",9}");
        foreach (var backend in ReadySet.SupportedBackends())
        {
            Print($"TimerSource ({backend})", TimerSource(backend, expiries, period));
        }

        Print("PeriodicTimer (tick - prev+P)", PeriodicTimerRun(expiries, period).GetAwaiter().GetResult());
        return 0;
    }

    /// <summary><c>exitlatency [CHILDREN]</c>: kill -9 a sleeping child, time until the exit is seen.</summary>
    public static int Exits(string[] args)
    {
        var children = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200;
        Console.WriteLine($"child exit -> event latency over {children} children: kill(SIGKILL) sent -> exit seen (us)");
        Console.WriteLine($"{"watcher",-28} {"p50",8} {"p99",8} {"max",8}");
        foreach (var backend in ReadySet.SupportedBackends())
        {
            Print($"ProcessExitSource ({backend})", ExitSource(backend, children));
        }

        Print("Process.WaitForExitAsync", WaitForExitAsyncRun(children).GetAwaiter().GetResult());
        return 0;
    }

    private static (List<double> Lateness, int Events, long Expiries) TimerSource(string backend, int expiries, TimeSpan period)
    {
        using var poll = EventQueue.CreatePoll(backend);
        using var timer = new TimerSource(poll.Registry, new Token(1));
        var events = new Events(4);
        var lateness = new List<double>(expiries);
        var ticksPerUs = Stopwatch.Frequency / 1_000_000.0;
        var periodTicks = period.TotalSeconds * Stopwatch.Frequency;
        timer.Arm(TimeSpan.Zero); // the first call of each native entry point binds it (tens of ms): not in the schedule
        while (timer.Consume() == 0)
        {
            poll.Wait(events, TimeSpan.FromSeconds(1));
        }

        timer.Disarm();
        var start = Stopwatch.GetTimestamp();
        timer.Arm(period, period);
        long consumed = 0;
        var reports = 0;
        while (consumed < expiries)
        {
            poll.Wait(events, TimeSpan.FromSeconds(1));
            var now = Stopwatch.GetTimestamp();
            var n = timer.Consume();
            if (n == 0)
            {
                continue;
            }

            consumed += n;
            reports++;
            lateness.Add((now - start - (consumed * periodTicks)) / ticksPerUs);
        }

        return (lateness, reports, consumed);
    }

    private static async Task<(List<double> Lateness, int Events, long Expiries)> PeriodicTimerRun(int expiries, TimeSpan period)
    {
        // PeriodicTimer neither counts missed ticks nor keeps an absolute schedule: measure each tick against
        // the previous one plus the period.
        var lateness = new List<double>(expiries);
        var ticksPerUs = Stopwatch.Frequency / 1_000_000.0;
        var periodTicks = period.TotalSeconds * Stopwatch.Frequency;
        using var timer = new PeriodicTimer(period);
        var previous = Stopwatch.GetTimestamp();
        for (var i = 0; i < expiries; i++)
        {
            await timer.WaitForNextTickAsync().ConfigureAwait(false);
            var now = Stopwatch.GetTimestamp();
            lateness.Add((now - previous - periodTicks) / ticksPerUs);
            previous = now;
        }

        return (lateness, expiries, expiries);
    }

    private static List<double> ExitSource(string backend, int children)
    {
        using var poll = EventQueue.CreatePoll(backend);
        var events = new Events(4);
        var latency = new List<double>(children);
        for (var i = 0; i < children; i++)
        {
            using var child = Process.Start(new ProcessStartInfo("sleep", "10") { UseShellExecute = false })!;
            using var source = new ProcessExitSource(poll.Registry, new Token(1), child);
            var sent = Stopwatch.GetTimestamp();
            _ = Native.Kill(child.Id, 9);
            while (poll.Wait(events, TimeSpan.FromSeconds(5)) == 0)
            {
            }

            latency.Add(Stopwatch.GetElapsedTime(sent).TotalMicroseconds);
            child.WaitForExit();
        }

        return latency;
    }

    private static async Task<List<double>> WaitForExitAsyncRun(int children)
    {
        var latency = new List<double>(children);
        for (var i = 0; i < children; i++)
        {
            using var child = Process.Start(new ProcessStartInfo("sleep", "10") { UseShellExecute = false })!;
            var sent = Stopwatch.GetTimestamp();
            _ = Native.Kill(child.Id, 9);
            await child.WaitForExitAsync().ConfigureAwait(false);
            latency.Add(Stopwatch.GetElapsedTime(sent).TotalMicroseconds);
        }

        return latency;
    }

    private static void Print(string name, (List<double> Lateness, int Events, long Expiries) run)
    {
        var sorted = run.Lateness.Order().ToArray();
        Console.WriteLine($"{name,-28} {Percentile(sorted, 0.50),8:F1} {Percentile(sorted, 0.99),8:F1} {sorted[^1],8:F1} {run.Events,7} {run.Expiries,9}");
    }

    private static void Print(string name, List<double> latency)
    {
        var sorted = latency.Order().ToArray();
        Console.WriteLine($"{name,-28} {Percentile(sorted, 0.50),8:F1} {Percentile(sorted, 0.99),8:F1} {sorted[^1],8:F1}");
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
