using System;
using System.Collections.Generic;
using System.Globalization;

namespace EporeX.Benchmarks;

/// <summary>
/// A few seconds that CI can afford: every benchmark body runs on every supported backend and must
/// allocate 0 bytes per call (counted, not timed), then a very short polldispatch prints its columns.
/// </summary>
internal static class Smoke
{
    private const int Calls = 2000;

    public static int Run()
    {
        var failures = 0;
        foreach (var backend in ReadySet.SupportedBackends())
        {
            using (var wait = new WaitBenchmarks { Backend = backend, K = 100, R = 8 })
            {
                wait.Setup();
                failures += Check(backend, "Wait", () => wait.Wait());
            }

            using (var metered = new MeteredWaitBenchmarks { Backend = backend, R = 8, Listener = true })
            {
                metered.Setup();
                failures += Check(backend, "Wait, MeterListener", () => metered.Wait());
            }

            using var registration = new RegistrationBenchmarks { Backend = backend };
            registration.Setup();
            failures += Check(backend, "Reregister", registration.Reregister);
            failures += Check(backend, "RegisterDeregister", registration.RegisterDeregister);
            failures += Check(backend, "WakeThenWait", () => registration.WakeThenWait());

            using var sources = new SourceBenchmarks { Backend = backend };
            sources.Setup();
            failures += Check(backend, "TimerArm", sources.TimerArm);
            failures += Check(backend, "TimerExpireConsume", () => sources.TimerExpireConsume());
            failures += Check(backend, "SignalRoundTrip", () => sources.SignalRoundTrip());
        }

        failures += AsyncChecks();
        var status = PollDispatch.Run(["10,1000", "1,64", "10"]);
        Console.WriteLine(failures == 0 ? "smoke: ok" : $"smoke: {failures} benchmark(s) allocated");
        return failures == 0 ? status : 1;
    }

    /// <summary>
    /// EporeX.Async: an await, a ReadAsync and a WriteAsync that each have to wait for the loop thread, in
    /// both continuation modes. The loop thread and the thread pool do part of the work, so these count
    /// the bytes allocated by every thread of the process (GC.GetTotalAllocatedBytes(precise: true)): a
    /// stricter measure than the per-thread one above, which cannot see the other threads at all.
    /// </summary>
    private static int AsyncChecks()
    {
        var failures = 0;
        foreach (var backend in ReadySet.SupportedBackends())
        {
            foreach (var inline in new[] { false, true })
            {
                using var bench = new AsyncBenchmarks { Backend = backend, Inline = inline };
                bench.Setup();
                var mode = inline ? "inline" : "pool";
                failures += CheckAllThreads(backend, $"ReadableAsync/{mode}", () => bench.ReadableAsyncThatWaits());
                failures += CheckAllThreads(backend, $"ReadAsync/{mode}", () => bench.ReadAsyncThatWaits());
                failures += CheckAllThreads(backend, $"WriteAsync/{mode}", () => bench.WriteAsyncThatWaits());
            }
        }

        return failures;
    }

    /// <summary>Bytes per call counted on all threads: what an await allocates may be on the loop's or the pool's thread.</summary>
    private static int CheckAllThreads(string backend, string name, Action body) =>
        Measure(backend, name, body, static () => GC.GetTotalAllocatedBytes(precise: true), " (all threads)");

    /// <summary>Bytes per call counted on this thread.</summary>
    private static int Check(string backend, string name, Action body) =>
        Measure(backend, name, body, GC.GetAllocatedBytesForCurrentThread, "");

    /// <summary>
    /// Bytes per call after a warm-up (tiered compilation, first-use tables, the pool's threads). A one-off
    /// allocation (a type initialised, a tier-up, a thread-pool thread starting, a timer) would fail a single
    /// measurement, so one that is not 0 is repeated, up to three times; an allocation per call (at least
    /// 24 B) shows in every attempt. Figures are printed with enough digits to see 48 bytes in 2,000 calls.
    /// </summary>
    private static int Measure(string backend, string name, Action body, Func<long> allocatedBytes, string scope)
    {
        for (var i = 0; i < Calls; i++)
        {
            body();
        }

        var attempts = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var before = allocatedBytes();
            for (var i = 0; i < Calls; i++)
            {
                body();
            }

            var perCall = (double)(allocatedBytes() - before) / Calls;
            attempts.Add(perCall.ToString("0.0##", CultureInfo.InvariantCulture));
            if (perCall == 0)
            {
                Console.WriteLine($"smoke: {backend,-6} {name,-20} {string.Join(" / ", attempts),6} B/call{scope}");
                return 0;
            }
        }

        Console.WriteLine($"smoke: {backend,-6} {name,-20} {string.Join(" / ", attempts),6} B/call{scope} (never 0)");
        return 1;
    }
}
