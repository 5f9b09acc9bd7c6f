using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EporeX.Samples.ChildProcessDemo;

/// <summary>What one reader saw, step by step, with times in milliseconds from the child's start.</summary>
internal sealed class Timeline(string reader)
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public string Reader { get; } = reader;

    public List<Step> Steps { get; } = [];

    public double Now => Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    public void Add(StepKind kind, double startMs, string? text = null) => Steps.Add(new Step(kind, startMs, Now, text));

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

    /// <summary>The per-line timeout fired and the read ended with OperationCanceledException.</summary>
    TimedOut,

    /// <summary>The timeout fired but the read went on: it ended only when data came (Text is that line).</summary>
    NotCancelled,

    /// <summary>The child closed its stdout.</summary>
    EndOfStream,
}

internal readonly record struct Step(StepKind Kind, double StartMs, double EndMs, string? Text)
{
    public string Describe() => Kind switch
    {
        StepKind.Line => $"line \"{Text}\"",
        StepKind.TimedOut => "timeout: the read was cancelled (OperationCanceledException)",
        StepKind.NotCancelled => $"timeout requested, but the read went on and returned \"{Text}\" only when the child wrote again",
        _ => "end of stream",
    };
}
