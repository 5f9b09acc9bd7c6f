using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace EporeX.Tests.Async;

/// <summary>
/// Random interleavings of make-ready (write), await, cancelled await, ReadAsync, drain and ClearReady on
/// one pipe, checked step by step against a model that knows how many bytes the pipe holds: a read gets
/// exactly what the model says, an await with bytes pending always completes (no lost wakeup), and with
/// none pending it may only end by cancellation or by a stale hint (readiness is a hint). EPOREX_PROPERTY_RUNS
/// multiplies the number of programs.
/// </summary>
public sealed class AsyncModelPropertyTests(ITestOutputHelper output)
{
    private const int Programs = 60;
    private const int MaxSteps = 25;
    private static readonly TimeSpan Brief = TimeSpan.FromMilliseconds(5);

    public abstract record Step;

    public sealed record WriteStep(int Bytes) : Step;

    public sealed record AwaitStep : Step;

    public sealed record ReadStep(int Capacity) : Step;

    public sealed record DrainAndClearStep : Step;

    /// <summary>Starts an await, writes while it is pending, and cancels it: whichever wins, the bytes stay.</summary>
    public sealed record RaceStep(int Bytes) : Step;

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public void Random_interleavings_agree_with_the_model(string backend, bool inline)
    {
        Backends.Open(backend).Dispose();
        var runs = Programs * (int.TryParse(Environment.GetEnvironmentVariable("EPOREX_PROPERTY_RUNS"), out var n) && n > 0 ? n : 1);
        var steps = 0;
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(runs).WithQuietOnSuccess(true),
            Prop.ForAll(Arb.From(ProgramGen(), Shrink), (Step[] program) =>
            {
                steps += program.Length;
                Run(backend, inline, program).GetAwaiter().GetResult();
            }));
        output.WriteLine($"{backend} inline={inline}: {runs} programs, {steps} steps agreed with the model");
    }

    private static Gen<Step[]> ProgramGen()
    {
        var step = Gen.Frequency(
            (4, Gen.Choose(1, 64).Select(b => (Step)new WriteStep(b))),
            (3, Gen.Constant<Step>(new AwaitStep())),
            (3, Gen.Choose(1, 64).Select(c => (Step)new ReadStep(c))),
            (2, Gen.Constant<Step>(new DrainAndClearStep())),
            (2, Gen.Choose(1, 8).Select(b => (Step)new RaceStep(b))));
        return from length in Gen.Choose(1, MaxSteps)
               from ops in Gen.ArrayOf(step, length)
               select ops;
    }

    private static IEnumerable<Step[]> Shrink(Step[] program)
    {
        for (var chunk = program.Length / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= program.Length; start += chunk)
            {
                yield return program.Take(start).Concat(program.Skip(start + chunk)).ToArray();
            }
        }
    }

    private static async Task Run(string backend, bool inline, Step[] program)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var pending = 0; // the model: bytes in the pipe
        ReadyGuard? guard = null;
        for (var i = 0; i < program.Length; i++)
        {
            var where = $"step {i + 1} of [{string.Join("; ", program.Select(s => s.ToString()))}]";
            switch (program[i])
            {
                case WriteStep write:
                    pipe.Write(write.Bytes);
                    pending += write.Bytes;
                    break;

                case AwaitStep when pending > 0:
                    guard = await AsyncLoops.Within(fd.ReadableAsync()); // must come: bytes are there
                    Assert.True(guard.Value.IsReadable, where);
                    break;

                case AwaitStep:
                    using (var cts = new CancellationTokenSource(Brief))
                    {
                        try
                        {
                            guard = await AsyncLoops.Within(fd.ReadableAsync(cts.Token)); // a stale hint is allowed
                        }
                        catch (OperationCanceledException)
                        {
                        }
                    }

                    break;

                case ReadStep read when pending > 0:
                    var n = await AsyncLoops.Within(fd.ReadAsync(new byte[read.Capacity]));
                    Assert.True(n == Math.Min(read.Capacity, pending), $"{where}: read {n}, the model holds {pending}");
                    pending -= n;
                    break;

                case ReadStep read:
                    using (var cts = new CancellationTokenSource(Brief))
                    {
                        // Nothing to read and no end of stream: the read can only be cancelled.
                        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AsyncLoops.Within(fd.ReadAsync(new byte[read.Capacity], cts.Token)));
                    }

                    break;

                case DrainAndClearStep:
                    Assert.True(pipe.Drain() == pending, $"{where}: the pipe did not hold the {pending} bytes of the model");
                    pending = 0;
                    guard?.ClearReady(); // legal now: the pipe would block
                    guard = null;
                    break;

                case RaceStep race:
                    using (var cts = new CancellationTokenSource())
                    {
                        var readable = fd.ReadableAsync(cts.Token);
                        pipe.Write(race.Bytes);
                        pending += race.Bytes;
                        cts.Cancel();
                        try
                        {
                            guard = await AsyncLoops.Within(readable);
                        }
                        catch (OperationCanceledException)
                        {
                        }
                    }

                    break;
            }
        }

        // Whatever happened, the bytes still pending are found by one more await and read in full.
        if (pending > 0)
        {
            Assert.True((await AsyncLoops.Within(fd.ReadableAsync())).IsReadable);
            Assert.Equal(pending, pipe.Drain());
        }
    }
}
