using System;
using System.Globalization;
using System.Text.RegularExpressions;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// samples/TtyDemo as a child process on every backend, over a real pseudo-terminal pair: a line read with
/// a 200 ms timeout on a silent line ends when the timeout fires, a read the caller cancels 50 ms in ends
/// then, and the lines after each (one of them half-received before the timeout) are read whole.
/// </summary>
public sealed partial class TtyDemoTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_tty_read_times_out_and_is_cancelled_and_the_next_lines_are_whole(string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(), "needs posix_openpt");
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here

        var (exitCode, output, errors) = SampleProcess.Run("TtyDemo", TimeSpan.FromSeconds(60), "--backend", backend);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains($"backend: {backend}, line: /dev/", output, StringComparison.Ordinal);

        // It ends when the timeout fires (a timer may fire a tick early; a busy pool may run it late).
        var timedOut = Milliseconds(TimedOut(), output);
        Assert.InRange(timedOut, 200 - 20, 200 + Waiting.Arrives.TotalMilliseconds);
        var cancelled = Milliseconds(Cancelled(), output);
        Assert.InRange(cancelled, 50 - 20, 50 + Waiting.Arrives.TotalMilliseconds);

        // In this order: the timeout, the line whose first half came before it, the cancellation, the next line.
        Assert.Matches(Order(), output);
    }

    private static double Milliseconds(Regex pattern, string output)
    {
        var match = pattern.Match(output);
        Assert.True(match.Success, $"no /{pattern}/ in:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"timeout on a silent line: timed out after (\d+\.\d) ms")]
    private static partial Regex TimedOut();

    [GeneratedRegex(@"cancelled by the caller 50 ms in: ended after (\d+\.\d) ms")]
    private static partial Regex Cancelled();

    [GeneratedRegex("timed out after .*\\n.*next line, whole: \"status: ok\"\\r?\\n.*cancelled by the caller.*\\n.*next line, whole: \"temperature: 21\\.5\"")]
    private static partial Regex Order();
}
