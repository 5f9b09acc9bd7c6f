using BenchmarkDotNet.Running;
using EporeX.Benchmarks;

// dotnet run -c Release --project bench/EporeX.Benchmarks -- --filter '*'            BenchmarkDotNet
// dotnet run -c Release --project bench/EporeX.Benchmarks -- polldispatch [K [R [MS]]]  the polldispatch twin
// dotnet run -c Release --project bench/EporeX.Benchmarks -- --smoke                   a few seconds: proves it runs
// dotnet run -c Release --project bench/EporeX.Benchmarks -- timerlateness [N [US]]   TimerSource vs PeriodicTimer (bench/timer-lateness.sh adds C)
// dotnet run -c Release --project bench/EporeX.Benchmarks -- exitlatency [N]          ProcessExitSource vs WaitForExitAsync
// dotnet run -c Release --project bench/EporeX.Benchmarks -- metercost [ROUNDS [WAITS]] the meter's cost per Wait
// dotnet run -c Release --project bench/EporeX.Benchmarks -- loopassignment [LOOPS [STEPS]] EventLoopGroup.Next: round robin vs least registered
if (args.Length > 0 && args[0] == "polldispatch")
{
    return PollDispatch.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "timerlateness")
{
    return SourceLatency.Timers(args[1..]);
}

if (args.Length > 0 && args[0] == "exitlatency")
{
    return SourceLatency.Exits(args[1..]);
}

if (args.Length > 0 && args[0] == "metercost")
{
    return MeterCost.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "loopassignment")
{
    return LoopAssignmentBench.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "--smoke")
{
    return Smoke.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(WaitBenchmarks).Assembly).Run(args);
return 0;
