using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// samples/ChildProcessDemo as a child process on every backend: its child writes a, b a second later, c
/// five seconds after b, and it reads them through AsyncFd with a 3 s per-line timeout. The timeout fires
/// between b and c and really ends that read (had it not, the read would have returned c instead), the next
/// read still gets c whole, and the child is gone at the end.
/// </summary>
public sealed partial class ChildProcessDemoTests
{
    private const double TimeoutMs = 3000;

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_line_times_out_the_read_is_cancelled_and_the_next_line_arrives_whole(string backend)
    {
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here
        var run = SampleProcess.Run("ChildProcessDemo", TimeSpan.FromSeconds(60), "--backend", backend);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"EventLoop on {backend}", run.Output, StringComparison.Ordinal);

        // What it read, in order: a line ("a"), a timeout (T), the end of output (E).
        var steps = Step().Matches(run.Output)
            .Select(m => (Ms: double.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture), What: m.Groups["line"].Success ? m.Groups["line"].Value : m.Groups["what"].Value[..1].ToUpperInvariant()))
            .ToList();
        var sequence = string.Join(' ', steps.Select(s => s.What));
        Assert.True(Regex.IsMatch(sequence, "^a b (T )+c E$"), $"read: {sequence}\n{run}");

        // The first timeout ends its read when due (a timer may fire a tick early, a busy one late), and c
        // still comes afterwards, from the read that followed.
        var b = steps.First(s => s.What == "b");
        var timedOut = steps.First(s => s.What == "T");
        Assert.InRange(timedOut.Ms - b.Ms, TimeoutMs - 20, TimeoutMs + Waiting.Arrives.TotalMilliseconds);

        // The child it started (its PID in the first line) has ended: exited by itself, or killed by its PID.
        var pid = Regex.Match(run.Output, @"^child (\d+):", RegexOptions.Multiline).Groups[1].Value;
        Assert.Matches($@"(?m)^child {pid} (exited with 0|killed)$", run.Output);
    }

    [GeneratedRegex(@"^\s*(?<ms>\d+) ms  (line ""(?<line>[^""]*)""|(?<what>timeout|end of output))", RegexOptions.Multiline)]
    private static partial Regex Step();
}
