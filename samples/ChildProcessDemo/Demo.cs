using System;
using System.Linq;
using System.Threading.Tasks;

namespace EporeX.Samples.ChildProcessDemo;

/// <summary>The three readers, each on its own child running the same script, at the same time.</summary>
internal static class Demo
{
    /// <summary>
    /// The script (a, 1 s, b, 5 s, c) with a 3 s per-line timeout: it fires once, at 4 s, and the
    /// read after it gets c at 6 s. A read that returns a line more than 1 s after its timeout has ignored its token. About 6 s in all.
    /// </summary>
    public static DemoSettings Default { get; } = new(ChildScript.Default, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));

    /// <summary>The same shape, shorter (about 3 s), for the tests: a, 0.2 s, b, 2.5 s, c; a 1.5 s timeout (at 1.7 s), with 0.3 s of grace (a late line still counts as ignoring the token on a loaded machine).</summary>
    public static DemoSettings Quick { get; } =
        new(new ChildScript(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(2500)), TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(300));

    public static async Task<DemoResult> RunAsync(EventLoop loop, DemoSettings settings)
    {
        var asyncFd = AsyncFdReader.RunAsync(loop, settings.Script, settings.Timeout, settings.Grace);
        var fileStream = FileStreamReader.RunAsync(settings.Script, settings.Timeout, settings.Grace);
        var process = ProcessStreamReader.RunAsync(settings.Script, settings.Timeout, settings.Grace);
        await Task.WhenAll(asyncFd, fileStream, process).ConfigureAwait(false);
        return new DemoResult(settings, asyncFd.Result.Timeline, asyncFd.Result.WasNonBlocking, fileStream.Result, process.Result);
    }
}

internal sealed record DemoSettings(ChildScript Script, TimeSpan Timeout, TimeSpan Grace);

internal sealed record DemoResult(DemoSettings Settings, Timeline AsyncFd, bool PipeWasNonBlocking, Timeline FileStream, Timeline ProcessStream)
{
    /// <summary>
    /// How late the latest timeout timer of any reader fired. A run is conclusive only while this stays
    /// well under the gap between the timeout and the next line: a timer that fires after the line came
    /// cannot show whether a read honours its token.
    /// </summary>
    public double TimerLateMs => Math.Max(AsyncFd.MaxTimerLateMs, Math.Max(FileStream.MaxTimerLateMs, ProcessStream.MaxTimerLateMs));

    /// <summary>
    /// One line on what the timeout did: cancelled (how long after it was due) and whether the next line was
    /// still read, or not cancelled (how long the read went on past it).
    /// </summary>
    public string Verdict(Timeline timeline)
    {
        var timeoutMs = Settings.Timeout.TotalMilliseconds;
        var index = timeline.Steps.FindIndex(s => s.Kind is StepKind.TimedOut or StepKind.NotCancelled);
        if (index < 0)
        {
            return "the timeout never came into play";
        }

        var step = timeline.Steps[index];
        var past = step.EndMs - step.StartMs - timeoutMs;
        if (step.Kind == StepKind.NotCancelled)
        {
            return $"NOT cancelled: the read ended {past:F0} ms after its timeout, when the child wrote \"{step.Text}\"";
        }

        var next = timeline.Steps.Skip(index + 1).FirstOrDefault(s => s.Kind == StepKind.Line);
        return $"cancelled: the read ended {step.EndMs - step.StartMs:F1} ms after it began (timeout {timeoutMs:F0} ms); the next line (\"{next.Text ?? "none"}\") was still read afterwards";
    }
}
