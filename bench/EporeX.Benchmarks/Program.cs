using BenchmarkDotNet.Running;
using EporeX.Benchmarks;

// dotnet run -c Release --project bench/EporeX.Benchmarks -- --filter '*'            BenchmarkDotNet
// dotnet run -c Release --project bench/EporeX.Benchmarks -- polldispatch [K [R [MS]]]  the polldispatch twin
// dotnet run -c Release --project bench/EporeX.Benchmarks -- --smoke                   a few seconds: proves it runs
// dotnet run -c Release --project bench/EporeX.Benchmarks -- metercost [ROUNDS [WAITS]] the meter's cost per Wait
if (args.Length > 0 && args[0] == "polldispatch")
{
    return PollDispatch.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "metercost")
{
    return MeterCost.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "--smoke")
{
    return Smoke.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(WaitBenchmarks).Assembly).Run(args);
return 0;
