using System;
using System.Diagnostics;
using System.Linq;
using EporeX.Tests.Reliability.Differential;
using EporeX.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace EporeX.Tests.Reliability;

/// <summary>
/// Random programs of registrations, writes, reads, shutdowns, closes, wakes and short waits, run on each
/// backend (and on poll(2) with the deadline timers it uses off Linux) in step with a reference model of
/// readiness and timer deadlines (Differential/ReadinessModel.cs), and on every supported backend against each other. EPOREX_PROPERTY_RUNS multiplies the number of programs.
/// </summary>
public sealed class DifferentialPropertyTests(ITestOutputHelper output)
{
    private const int Programs = 300;
    private const int CrossPrograms = 100;

    [SkippableTheory]
    [MemberData(nameof(Backends.WithTimers), MemberType = typeof(Backends))]
    public void Random_programs_agree_with_the_readiness_model(string backend)
    {
        Backends.Open(backend).Dispose();
        var runs = Programs * Multiplier();
        var clock = Stopwatch.StartNew();
        var steps = 0L;
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(runs).WithQuietOnSuccess(true),
            Prop.ForAll(ProgramGenerator.Programs(), program =>
            {
                steps += program.Ops.Count;
                ProgramRunner.Run(backend, program);
            }));
        output.WriteLine($"{backend}: {runs} programs ({steps} steps, shrinking included) agreed with the model in {clock.ElapsedMilliseconds} ms");
    }

    [SkippableFact]
    public void Random_programs_give_the_same_events_on_every_supported_backend()
    {
        var providers = EventQueue.CreateProviders().Where(p => p.Support.IsSupported).ToArray();
        var supported = providers.Select(p => p.Name).ToArray();
        Skip.If(supported.Length < 2, $"only {string.Join(", ", supported)} runs on this machine: nothing to compare");

        // Compare only what every backend here can do: a mode one of them lacks would differ by design.
        var edge = providers.All(p =>
        {
            using var queue = p.Create();
            return queue.Capabilities.Edge;
        });
        var runs = CrossPrograms * Multiplier();
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(runs).WithQuietOnSuccess(true),
            Prop.ForAll(ProgramGenerator.Programs(edge), program =>
            {
                var first = ProgramRunner.Run(supported[0], program);
                foreach (var other in supported.Skip(1))
                {
                    var trace = ProgramRunner.Run(other, program);
                    var step = Enumerable.Range(0, first.Count).FirstOrDefault(i => first[i] != trace[i], -1);
                    Assert.True(step < 0, step < 0 ? "" : $"step {step + 1} ({program.Ops[step]}): {supported[0]} gave {first[step]}, {other} gave {trace[step]}");
                }
            }));
        output.WriteLine($"{string.Join(", ", supported)}: {runs} programs gave the same events");
    }

    /// <summary>EPOREX_PROPERTY_RUNS=100 runs 100 times as many programs.</summary>
    private static int Multiplier() =>
        int.TryParse(Environment.GetEnvironmentVariable("EPOREX_PROPERTY_RUNS"), out var n) && n > 0 ? n : 1;
}
