using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace EporeX.Benchmarks;

/// <summary>
/// The meter's cost per zero-timeout Wait, robust to a busy machine: rounds with and without a
/// MeterListener alternate in one process, and the fastest round of each is kept (noise only adds).
/// <c>metercost [ROUNDS [WAITS]]</c>; prints ns and bytes per wait for R = 1 and R = 64 of 100 registered.
/// </summary>
internal static class MeterCost
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var waits = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var backend = ReadySet.SupportedBackends().First();
        Console.WriteLine($"metercost: {backend}, 100 registered, {rounds} alternating rounds of {waits} waits, fastest round");
        Console.WriteLine("ready  listener     ns/wait  B/wait");
        foreach (var ready in new[] { 1, 64 })
        {
            var plain = new MeteredWaitBenchmarks { Backend = backend, R = ready, Listener = false };
            var metered = new MeteredWaitBenchmarks { Backend = backend, R = ready, Listener = true };
            double bestPlain = double.MaxValue, bestMetered = double.MaxValue;
            long bytesPlain = 0, bytesMetered = 0;
            try
            {
                for (var round = 0; round < rounds; round++)
                {
                    // Setup and Dispose around each round: the listener exists only in the metered rounds.
                    plain.Setup();
                    var (ns, bytes) = Measure(plain, waits);
                    plain.Dispose();
                    bestPlain = Math.Min(bestPlain, ns);
                    bytesPlain = Math.Max(bytesPlain, bytes);

                    metered.Setup();
                    (ns, bytes) = Measure(metered, waits);
                    metered.Dispose();
                    bestMetered = Math.Min(bestMetered, ns);
                    bytesMetered = Math.Max(bytesMetered, bytes);
                }
            }
            finally
            {
                plain.Dispose();
                metered.Dispose();
            }

            Console.WriteLine($"{ready,5}  {"no",-8} {bestPlain,10:F1} {(double)bytesPlain / waits,7:F1}");
            Console.WriteLine($"{ready,5}  {"yes",-8} {bestMetered,10:F1} {(double)bytesMetered / waits,7:F1}");
        }

        return 0;
    }

    private static (double Ns, long Bytes) Measure(MeteredWaitBenchmarks benchmark, int waits)
    {
        for (var i = 0; i < 2000; i++)
        {
            benchmark.Wait(); // warm-up
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < waits; i++)
        {
            benchmark.Wait();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        return (elapsed.TotalNanoseconds / waits, GC.GetAllocatedBytesForCurrentThread() - allocated);
    }
}
