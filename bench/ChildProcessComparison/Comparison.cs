using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;

namespace EporeX.Bench.ChildProcessComparison;

/// <summary>The three readers, each on its own child running the same script, at the same time.</summary>
internal static class Comparison
{
    /// <summary>
    /// The issue's script (a, 1 s, b, 5 s, c) with a 3 s per-line timeout: it fires once, at 4 s, and the
    /// read after it gets c at 6 s. A read that returns a line more than 1 s after its timeout has ignored its token. About 6 s in all.
    /// </summary>
    public static ComparisonSettings Default { get; } = new(ChildScript.Default, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));

    /// <summary>The same shape, shorter (about 3 s), for the tests: a, 0.2 s, b, 2.5 s, c; a 1.5 s timeout (at 1.7 s), with 0.3 s of grace (a late line still counts as ignoring the token on a loaded machine).</summary>
    public static ComparisonSettings Quick { get; } =
        new(new ChildScript(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(2500)), TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(300));

    public static async Task<ComparisonResult> RunAsync(EventLoop loop, ComparisonSettings settings)
    {
        var asyncFd = AsyncFdReader.RunAsync(loop, settings.Script, settings.Timeout, settings.Grace);
        var fileStream = FileStreamReader.RunAsync(settings.Script, settings.Timeout, settings.Grace);
        var process = ProcessStreamReader.RunAsync(settings.Script, settings.Timeout, settings.Grace);
        await Task.WhenAll(asyncFd, fileStream, process).ConfigureAwait(false);
        return new ComparisonResult(settings, asyncFd.Result.Timeline, asyncFd.Result.WasNonBlocking, fileStream.Result, process.Result);
    }
}

internal sealed record ComparisonSettings(ChildScript Script, TimeSpan Timeout, TimeSpan Grace)
{
    /// <summary>
    /// Half the gap between the first timeout (after line b) and line c: a timer later than this may fire
    /// after c came, and then the run cannot show whether a read honours its token (0.5 s quick, 1 s default).
    /// </summary>
    public double InconclusiveAfterMs => (Script.Second - Timeout).TotalMilliseconds / 2;
}

internal sealed record ComparisonResult(ComparisonSettings Settings, Timeline AsyncFd, bool PipeWasNonBlocking, Timeline FileStream, Timeline ProcessStream)
{
    /// <summary>
    /// How late the latest timeout timer of any reader fired. A run is conclusive only while this stays
    /// well under the gap between the timeout and the next line: a timer that fires after the line came
    /// cannot show whether a read honours its token.
    /// </summary>
    public double TimerLateMs => Math.Max(AsyncFd.MaxTimerLateMs, Math.Max(FileStream.MaxTimerLateMs, ProcessStream.MaxTimerLateMs));

    /// <summary>
    /// Whether the run shows something: every timeout timer fired in time, and in both the AsyncFd and the
    /// FileStream timelines some read had its token cancelled while it waited (it timed out, or it went on
    /// regardless). A timeline of lines alone never put the token to the test.
    /// </summary>
    public bool Conclusive =>
        TimerLateMs <= Settings.InconclusiveAfterMs
        && AsyncFd.Steps.Exists(s => s.Kind is StepKind.TimedOut or StepKind.NotCancelled)
        && FileStream.Steps.Exists(s => s.Kind is StepKind.TimedOut or StepKind.NotCancelled);

    /// <summary>
    /// One machine-readable line for the whole run, for a script or a test:
    /// <c>RUN backend=B timeout_ms=T timer_late_ms=L conclusive=true|false</c>.
    /// </summary>
    public string RunRow(string backend) => string.Create(CultureInfo.InvariantCulture,
        $"RUN backend={backend} timeout_ms={Settings.Timeout.TotalMilliseconds:F0} timer_late_ms={TimerLateMs:F0} conclusive={(Conclusive ? "true" : "false")}");

    /// <summary>
    /// One machine-readable line per reader: <c>RESULT KEY steps=S lines=a,b,c timeouts_ms=D,… late=X verdict=V</c>.
    /// S has a letter per read (L a line, T timed out, N the token was cancelled but the read went on, E end of
    /// stream); timeouts_ms is how long each timed-out read lasted; late is the line a not-cancelled read
    /// returned ("-" when none); V is cancelled, not-cancelled or no-timeout.
    /// </summary>
    public static string ResultRow(string key, Timeline timeline)
    {
        var steps = string.Concat(timeline.Steps.Select(s => s.Kind switch
        {
            StepKind.Line => 'L',
            StepKind.TimedOut => 'T',
            StepKind.NotCancelled => 'N',
            _ => 'E',
        }));
        var lines = string.Join(',', timeline.Steps.Where(s => s.Kind == StepKind.Line).Select(s => s.Text));
        var timeouts = string.Join(',', timeline.Steps.Where(s => s.Kind == StepKind.TimedOut).Select(s => (s.EndMs - s.StartMs).ToString("F1", CultureInfo.InvariantCulture)));
        var late = timeline.Steps.FirstOrDefault(s => s.Kind == StepKind.NotCancelled).Text?.Replace(' ', '_') ?? "-";
        var verdict = steps.Contains('N', StringComparison.Ordinal) ? "not-cancelled" : steps.Contains('T', StringComparison.Ordinal) ? "cancelled" : "no-timeout";
        return $"RESULT {key} steps={steps} lines={lines} timeouts_ms={(timeouts.Length == 0 ? "-" : timeouts)} late={late} verdict={verdict}";
    }

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
