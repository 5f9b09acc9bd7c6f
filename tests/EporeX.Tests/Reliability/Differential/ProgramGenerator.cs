using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;

namespace EporeX.Tests.Reliability.Differential;

/// <summary>Random programs for FsCheck, and a shrinker that removes steps (every sub-program is valid).</summary>
public static class ProgramGenerator
{
    private const int MaxSteps = 40;

    /// <summary>Programs over every mode; a backend that lacks one answers NotSupportedException, as the model expects.</summary>
    public static Arbitrary<OpProgram> Programs() => Programs(edge: true);

    /// <summary>Programs without Edge when <paramref name="edge"/> is false: for comparing backends that do not all have it.</summary>
    public static Arbitrary<OpProgram> Programs(bool edge) => Arb.From(Program(edge), Shrink);

    private static Gen<OpProgram> Program(bool edge) =>
        from length in Gen.Choose(1, MaxSteps)
        from ops in Gen.ArrayOf(Step(edge), length)
        select new OpProgram(ops);

    private static Gen<Op> Step(bool edge)
    {
        var end = Gen.Choose(0, 2 * Op.MaxPairs - 1);
        var key = Gen.Choose(0, 2);
        var interest = Gen.Elements(Interest.Readable, Interest.Writable, Interest.Readable | Interest.Writable);
        var mode = edge
            ? Gen.Elements(PollMode.Level, PollMode.Level, PollMode.Oneshot, PollMode.Edge)
            : Gen.Elements(PollMode.Level, PollMode.Level, PollMode.Oneshot);
        return Gen.Frequency(
            (3, Gen.Constant<Op>(new CreatePair())),
            (4, from e in end from k in key from i in interest from m in mode select (Op)new RegisterOp(e, k, i, m)),
            (2, from e in end from k in key from i in interest from m in mode select (Op)new ReregisterOp(e, k, i, m)),
            (1, end.Select(e => (Op)new DeregisterOp(e))),
            (4, from e in end from n in Gen.Choose(1, 64) select (Op)new WriteOp(e, n)),
            (2, end.Select(e => (Op)new ReadAllOp(e))),
            (1, end.Select(e => (Op)new ShutdownOp(e))),
            (1, end.Select(e => (Op)new CloseOp(e))),
            (1, Gen.Constant<Op>(new WakeOp())),
            (2, Gen.Elements(true, true, false).Select(now => (Op)new ArmTimerOp(now))),
            (1, Gen.Constant<Op>(new DisarmTimerOp())),
            (5, Gen.Constant<Op>(new WaitOp())));
    }

    /// <summary>Halves first, then ever smaller chunks, down to single steps.</summary>
    private static IEnumerable<OpProgram> Shrink(OpProgram program)
    {
        var ops = program.Ops;
        for (var chunk = ops.Count / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= ops.Count; start += chunk)
            {
                yield return new OpProgram(ops.Take(start).Concat(ops.Skip(start + chunk)).ToArray());
            }
        }
    }
}
