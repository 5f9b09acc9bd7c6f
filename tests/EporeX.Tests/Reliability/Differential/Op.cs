using System.Collections.Generic;
using System.Text;

namespace EporeX.Tests.Reliability.Differential;

/// <summary>
/// One step of a random program. Socketpair ends are numbered 0…5: pair i has ends 2i ("a{i}") and 2i+1
/// ("b{i}"). A step on an end that does not exist (yet, or any more) is skipped by model and runner alike,
/// so every sub-program a shrinker makes is still a valid program. ToString is what a shrunk
/// counterexample prints.
/// </summary>
public abstract record Op
{
    public const int MaxPairs = 3;

    public static string EndName(int end) => $"{(end % 2 == 0 ? 'a' : 'b')}{end / 2}";

    public static ulong TokenOf(int end, int key) => (ulong)(100 * (end + 1) + key);

    public static string Describe(Interest interest) => interest switch
    {
        Interest.Readable => "R",
        Interest.Writable => "W",
        _ => "RW",
    };
}

/// <summary>socketpair(AF_UNIX, SOCK_STREAM): the next pair a{i}/b{i}.</summary>
public sealed record CreatePair : Op
{
    public override string ToString() => "pair";
}

public sealed record RegisterOp(int End, int Key, Interest Interest, PollMode Mode) : Op
{
    public override string ToString() => $"register {EndName(End)} token {TokenOf(End, Key)} {Describe(Interest)} {Mode}";
}

public sealed record ReregisterOp(int End, int Key, Interest Interest, PollMode Mode) : Op
{
    public override string ToString() => $"reregister {EndName(End)} token {TokenOf(End, Key)} {Describe(Interest)} {Mode}";
}

public sealed record DeregisterOp(int End) : Op
{
    public override string ToString() => $"deregister {EndName(End)}";
}

/// <summary>Writes <see cref="Bytes"/> bytes into <see cref="End"/>: its peer becomes readable.</summary>
public sealed record WriteOp(int End, int Bytes) : Op
{
    public override string ToString() => $"write {Bytes} B into {EndName(End)}";
}

public sealed record ReadAllOp(int End) : Op
{
    public override string ToString() => $"read all of {EndName(End)}";
}

/// <summary>shutdown(SHUT_WR): the peer reads end of stream.</summary>
public sealed record ShutdownOp(int End) : Op
{
    public override string ToString() => $"shutdown(SHUT_WR) {EndName(End)}";
}

/// <summary>Deregisters the end if it is registered (raw descriptors must be), then closes it.</summary>
public sealed record CloseOp(int End) : Op
{
    public override string ToString() => $"close {EndName(End)}";
}

/// <summary>
/// Arms the program's one-shot <see cref="TimerSource"/>: due now (100 ns, so the next wait reports it) or
/// in an hour (no wait of the program reports it). Arming again replaces the schedule.
/// </summary>
public sealed record ArmTimerOp(bool DueNow) : Op
{
    public override string ToString() => DueNow ? "arm timer, due now" : "arm timer, due in an hour";
}

public sealed record DisarmTimerOp : Op
{
    public override string ToString() => "disarm timer";
}

public sealed record WakeOp : Op
{
    public override string ToString() => "wake";
}

/// <summary>Poll.Wait with a 1 ms timeout.</summary>
public sealed record WaitOp : Op
{
    public override string ToString() => "wait 1 ms";
}

/// <summary>A program: what FsCheck generates, shrinks and prints.</summary>
public sealed class OpProgram(IReadOnlyList<Op> ops)
{
    public IReadOnlyList<Op> Ops { get; } = ops;

    public override string ToString()
    {
        var text = new StringBuilder($"{Ops.Count} steps:");
        for (var i = 0; i < Ops.Count; i++)
        {
            text.Append($"\n  {i + 1,2}. {Ops[i]}");
        }

        return text.ToString();
    }
}
