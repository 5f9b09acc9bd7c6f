using System;
using System.Collections.Generic;
using EporeX.Tests.Support;

namespace EporeX.Tests.Reliability.Differential;

/// <summary>Runs a program on one backend, in step with the model, and fails at the first disagreement.</summary>
public static class ProgramRunner
{
    private static readonly TimeSpan ShortWait = TimeSpan.FromMilliseconds(1);

    /// <summary>Returns the canonical trace (one line per step) for comparing backends with each other.</summary>
    public static List<string> Run(string backend, OpProgram program)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, new Token(ReadinessModel.WakerToken));
        using var timer = poll.Capabilities.Timers ? new TimerSource(poll.Registry, new Token(ReadinessModel.TimerToken)) : null;
        var model = new ReadinessModel(poll.Capabilities);
        var fds = new int[2 * Op.MaxPairs];
        Array.Fill(fds, -1);
        var pairs = 0;
        var events = new Events(64);
        var observed = new List<ObservedEvent>();
        var trace = new List<string>(program.Ops.Count);
        try
        {
            for (var i = 0; i < program.Ops.Count; i++)
            {
                var op = program.Ops[i];
                if (!model.Applies(op))
                {
                    trace.Add("skipped");
                    continue;
                }

                var before = model.Describe();
                if (op is WaitOp)
                {
                    poll.Wait(events, ShortWait);
                    observed.Clear();
                    foreach (var e in events)
                    {
                        observed.Add(new ObservedEvent(e.Token.Value, e.IsReadable, e.IsWritable, e.IsReadClosed));
                        if (e.Token.Value == ReadinessModel.TimerToken && timer!.Consume() < 1)
                        {
                            Fail(backend, i, op, "the timer was reported but Consume() found no expiration", before);
                        }
                    }

                    var problem = model.Wait(observed, out var canonical);
                    if (problem is not null)
                    {
                        Fail(backend, i, op, $"observed [{string.Join(" ", observed)}]: {problem}", before);
                    }

                    trace.Add(canonical);
                    continue;
                }

                var expected = model.Step(op);
                var actual = Execute(poll, waker, timer, fds, ref pairs, op);
                if (actual != expected)
                {
                    Fail(backend, i, op, $"expected {expected}, got {actual}", before);
                }

                trace.Add(actual);
            }
        }
        finally
        {
            foreach (var fd in fds)
            {
                if (fd >= 0)
                {
                    Native.Close(fd);
                }
            }
        }

        return trace;
    }

    private static string Execute(Poll poll, Waker waker, TimerSource? timer, int[] fds, ref int pairs, Op op)
    {
        var registry = poll.Registry;
        try
        {
            switch (op)
            {
                case CreatePair:
                    (fds[2 * pairs], fds[2 * pairs + 1]) = Native.SocketPair();
                    pairs++;
                    return "ok";
                case RegisterOp r:
                    registry.Register(fds[r.End], new Token(Op.TokenOf(r.End, r.Key)), r.Interest, r.Mode);
                    return "ok";
                case ReregisterOp r:
                    registry.Reregister(fds[r.End], new Token(Op.TokenOf(r.End, r.Key)), r.Interest, r.Mode);
                    return "ok";
                case DeregisterOp d:
                    registry.Deregister(fds[d.End]);
                    return "ok";
                case WriteOp w:
                    var written = Native.WriteBytes(fds[w.End], w.Bytes);
                    return written == w.Bytes ? "ok" : $"wrote {written}";
                case ReadAllOp r:
                    return $"read {Native.ReadAll(fds[r.End])}";
                case ShutdownOp s:
                    return Native.Shutdown(fds[s.End], Native.SHUT_WR) == 0 ? "ok" : "shutdown failed";
                case CloseOp c:
                    if (registry.IsRegistered(fds[c.End]))
                    {
                        registry.Deregister(fds[c.End]);
                    }

                    Native.Close(fds[c.End]);
                    fds[c.End] = -1;
                    if (fds[c.End ^ 1] >= 0)
                    {
                        PeerClose.AwaitSeen(fds[c.End ^ 1]); // the model's peer sees the close at once; the kernel's may lag
                    }

                    return "ok";
                case WakeOp:
                    waker.Wake();
                    return "ok";
                case ArmTimerOp a:
                    timer!.Arm(a.DueNow ? TimeSpan.FromTicks(1) : TimeSpan.FromHours(1));
                    return "ok";
                case DisarmTimerOp:
                    timer!.Disarm();
                    return "ok";
                default:
                    throw new ArgumentOutOfRangeException(nameof(op), op, null);
            }
        }
        catch (Exception e) when (e is EventQueueException or NotSupportedException)
        {
            return e.GetType().Name;
        }
    }

    private static void Fail(string backend, int index, Op op, string what, string state) =>
        throw new InvalidOperationException($"{backend}, step {index + 1} ({op}): {what}\n  model before the step: {state}");
}
