using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;

namespace EporeX.Bench.ChildProcessComparison;

/// <summary>What one reader saw, step by step, with times in milliseconds from the child's start.</summary>
internal sealed class Timeline(string reader)
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public string Reader { get; } = reader;

    public List<Step> Steps { get; } = [];

    public double Now => Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    public void Add(StepKind kind, double startMs, string? text = null, double timerLateMs = 0) => Steps.Add(new Step(kind, startMs, Now, text, timerLateMs));

    /// <summary>How late the latest per-line timeout timer fired (or had not fired by the step's end), in milliseconds.</summary>
    public double MaxTimerLateMs => Steps.Count == 0 ? 0 : Steps.Max(s => s.TimerLateMs);

    public override string ToString()
    {
        var text = new StringBuilder().Append(Reader).Append(":\n");
        foreach (var s in Steps)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {s.StartMs,7:F0} ms -> {s.EndMs,7:F0} ms  {s.Describe()}\n");
        }

        return text.ToString();
    }
}

internal enum StepKind
{
    /// <summary>A line arrived.</summary>
    Line,

    /// <summary>The per-line timeout cancelled the token and the read ended with OperationCanceledException.</summary>
    TimedOut,

    /// <summary>The token was cancelled but the read went on: it ended only when data came (Text is that line).</summary>
    NotCancelled,

    /// <summary>The child closed its stdout.</summary>
    EndOfStream,
}

/// <summary>One read: what it ended with and when (ms from the reader's start).</summary>
/// <param name="Kind">How the read ended.</param>
/// <param name="StartMs">When the read began.</param>
/// <param name="EndMs">When it ended.</param>
/// <param name="Text">The line, if one came.</param>
/// <param name="TimerLateMs">How late the step's timeout timer fired, or had not fired by the step's end (0 when on time or not yet due).</param>
internal readonly record struct Step(StepKind Kind, double StartMs, double EndMs, string? Text, double TimerLateMs = 0)
{
    public string Describe() => Kind switch
    {
        StepKind.Line => $"line \"{Text}\"",
        StepKind.TimedOut => "timeout: the read was cancelled (OperationCanceledException)",
        StepKind.NotCancelled => $"timeout requested, but the read went on and returned \"{Text}\" only when the child wrote again",
        _ => "end of stream",
    };
}
