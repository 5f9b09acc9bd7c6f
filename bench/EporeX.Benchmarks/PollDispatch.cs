using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;

namespace EporeX.Benchmarks;

/// <summary>
/// The managed twin of ../shared/bench's polldispatch.c: the same K and R lists, the same timing (calibrate,
/// then the median of 9 rounds over about MS_PER_CASE ms), the same columns, with EporeX's epoll and
/// poll(2) backends in place of the raw calls. One turn = Poll.Wait(TimeSpan.Zero) + an indirect call per
/// event. A backend this build lacks or this machine cannot run prints "-".
/// </summary>
internal static class PollDispatch
{
    private const int Rounds = 9;

    public static int Run(string[] args)
    {
        int[] ks = [10, 1000, 10000];
        int[] rs = [1, 64];
        var budgetMs = 200;
        if ((args.Length > 0 && !TryList(args[0], out ks)) || (args.Length > 1 && !TryList(args[1], out rs))
            || (args.Length > 2 && !int.TryParse(args[2], CultureInfo.InvariantCulture, out budgetMs))
            || args.Length > 3 || budgetMs < 10 || budgetMs > 10000)
        {
            Console.Error.WriteLine("usage: EporeX.Benchmarks polldispatch [K_LIST [R_LIST [MS_PER_CASE 10..10000]]]");
            return 2;
        }

        var supported = ReadySet.SupportedBackends().ToHashSet();
        var limit = Native.RaiseDescriptorLimit();
        Console.WriteLine("polldispatch (EporeX): K registered eventfds, R of them readable; one turn = Poll.Wait(TimeSpan.Zero) + dispatch");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"K",7} {"R",5} | {"epoll ns/wait",14} {"epoll ns/event",14} | {"poll ns/call",14} {"poll ns/event",14} | {"poll/epoll",10}"));
        foreach (var k in ks)
        {
            if (k < 1 || (ulong)k * (OperatingSystem.IsLinux() ? 1u : 2u) + 64 > limit)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k,7}: skipped (needs {k + 16} descriptors, limit is {limit})"));
                continue;
            }

            foreach (var requested in rs)
            {
                var r = Math.Min(Math.Min(requested, k), 1024);
                var e = supported.Contains("epoll") ? Measure("epoll", k, r, budgetMs) : double.NaN;
                var p = supported.Contains("poll") ? Measure("poll", k, r, budgetMs) : double.NaN;
                double per = r > 0 ? r : 1;
                var label = requested == r ? r.ToString(CultureInfo.InvariantCulture) : $"{r}*";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{k,7} {label,5} | {Cell(e, "F0"),14} {Cell(e / per, "F1"),14} | {Cell(p, "F0"),14} {Cell(p / per, "F1"),14} | {Cell(p / e, "F2"),10}"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(* = R capped at K. ns/event = ns per turn / R. Medians of {Rounds} rounds.)"));
        return 0;
    }

    private static string Cell(double value, string format) =>
        double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    private static double Measure(string backend, int k, int r, int budgetMs)
    {
        using var set = new ReadySet(backend, k, r);
        var events = new Events(1024);
        var handlers = set.Handlers;
        var dispatch = Handler.OnReady;
        int Turn()
        {
            var n = set.Poll.Wait(events, TimeSpan.Zero);
            foreach (var ev in events)
            {
                dispatch(handlers[(int)ev.Token.Value]);
            }

            return n;
        }

        if (Turn() != set.Ready)
        {
            throw new InvalidOperationException($"polldispatch: expected {set.Ready} ready events on {backend}");
        }

        long TimeTurns(long iterations)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0L; i < iterations; i++)
            {
                Turn();
            }

            return (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        }

        // Warm-up, so that tiered compilation has promoted the turn's methods to optimised code (a
        // loop that never blocks can otherwise stay in tier-0 code: runtimeconfig.template.json turns
        // off the call-counting delay for that reason).
        TimeTurns(5000);
        Thread.Sleep(50);

        var roundNs = budgetMs * 1_000_000L / (Rounds + 1);
        var iterations = 1L;
        long spent;
        while ((spent = TimeTurns(iterations)) < roundNs / 4 && iterations < (1L << 40))
        {
            iterations *= 2; // calibration doubles as warm-up
        }

        iterations = (iterations * roundNs / Math.Max(spent, 1)) + 1;
        var perTurn = new double[Rounds];
        for (var i = 0; i < Rounds; i++)
        {
            perTurn[i] = (double)TimeTurns(iterations) / iterations;
        }

        Array.Sort(perTurn);
        return perTurn[Rounds / 2];
    }

    private static bool TryList(string text, out int[] values)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries);
        values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                return false;
            }
        }

        return values.Length > 0;
    }
}
