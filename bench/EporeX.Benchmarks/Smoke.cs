using System;

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
        }

        var status = PollDispatch.Run(["10,1000", "1,64", "10"]);
        Console.WriteLine(failures == 0 ? "smoke: ok" : $"smoke: {failures} benchmark(s) allocated");
        return failures == 0 ? status : 1;
    }

    private static int Check(string backend, string name, Action body)
    {
        for (var i = 0; i < Calls; i++)
        {
            body(); // warm-up: tiered compilation, first-use tables
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            body();
        }

        var perCall = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
        Console.WriteLine($"smoke: {backend,-6} {name,-20} {perCall,6:F1} B/call");
        return perCall == 0 ? 0 : 1;
    }
}
