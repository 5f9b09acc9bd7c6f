using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// bench/TtyLatency as a child process on every backend, with 50 round trips per reader: a short line
/// round trips through AsyncFd (thread-pool and inline continuations) and, where it can open the pty,
/// through SerialPort; every reader's ROW line has 50 round trips and percentiles in order. It times nothing.
/// </summary>
public sealed partial class TtyLatencyTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void The_harness_round_trips_lines_through_every_reader(string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(), "needs posix_openpt");
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here

        var (exitCode, output, errors) = SampleProcess.Run("TtyLatency", TimeSpan.FromSeconds(120), "--measure", "50", "--backend", backend);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains($"backend: {backend}", output, StringComparison.Ordinal);
        var rows = Row().Matches(output).ToDictionary(m => m.Groups["reader"].Value);
        var serialPort = rows.ContainsKey("serialport") ? "serialport" : null;
        Assert.True(serialPort is not null || output.Contains("ROW serialport unavailable", StringComparison.Ordinal), $"no SerialPort row:\n{output}");
        Assert.Equal(new[] { "asyncfd-pool", "asyncfd-inline", serialPort }.OfType<string>().Order(), rows.Keys.Order());
        foreach (var (reader, row) in rows)
        {
            Assert.Equal("50", row.Groups["count"].Value);
            var p50 = Value(row, "p50");
            var p99 = Value(row, "p99");
            var max = Value(row, "max");
            Assert.True(p50 > 0 && p50 <= p99 && p99 <= max, $"{reader}: {row.Value}");
        }
    }

    private static double Value(Match row, string group) => double.Parse(row.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^ROW (?<reader>\S+) round_trips=(?<count>\d+) p50_us=(?<p50>[\d.]+) p99_us=(?<p99>[\d.]+) max_us=(?<max>[\d.]+)\r?$", RegexOptions.Multiline)]
    private static partial Regex Row();
}
