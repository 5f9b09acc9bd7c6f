using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// bench/ChildProcessComparison --quick as a child process on every backend (a, 0.2 s, b, 2.5 s, c; a 1.5 s
/// per-line timeout; each reader on a child of its own), read from its machine-readable lines: through
/// AsyncFd the timeout really ends the read and the next line is still read; through a FileStream over the
/// same kind of pipe (dotnet/runtime#127594) the read goes on until the child writes again. If a runtime
/// fixes #127594, the FileStream assertion fails: the statement of docs/articles/async.md ("A per-line
/// timeout that really cancels") is then out of date.
/// </summary>
public sealed class ChildProcessComparisonTests
{
    private const double TimeoutMs = 1500;

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void The_AsyncFd_timeout_cancels_and_the_FileStream_one_does_not(string backend)
    {
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here

        // On a loaded machine a timeout's timer may fire so late that the next line comes first, or a reader
        // resume so late that no read ever waits long enough to time out; such a run shows nothing either
        // way (the harness says conclusive=false), so it is run again (a few times at most).
        var (run, rows) = RunOnce(backend);
        for (var attempt = 1; attempt < 3 && rows["RUN"]["conclusive"] != "true"; attempt++)
        {
            (run, rows) = RunOnce(backend);
        }

        Assert.True(rows["RUN"]["conclusive"] == "true", $"three runs in a row showed nothing (a timer late, or no read ever timed out): the machine is too busy\n{run}");
        Assert.Equal(backend, rows["RUN"]["backend"]);
        Assert.Equal(TimeoutMs.ToString(CultureInfo.InvariantCulture), rows["RUN"]["timeout_ms"]);
        var timerLateMs = double.Parse(rows["RUN"]["timer_late_ms"], CultureInfo.InvariantCulture);

        // AsyncFd: a, b, one timeout or more (a loaded machine may start the child late), c, the end.
        var asyncFd = rows["asyncfd"];
        Assert.Matches("^LLT+LE$", asyncFd["steps"]);
        Assert.Equal("a,b,c", asyncFd["lines"]);
        Assert.Equal("cancelled", asyncFd["verdict"]);
        foreach (var lasted in asyncFd["timeouts_ms"].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)))
        {
            // It ends when the timeout fires (a timer may fire a tick early; a busy pool may run it late).
            Assert.InRange(lasted, TimeoutMs - 20, TimeoutMs + timerLateMs + Waiting.Arrives.TotalMilliseconds);
        }

        // The #127594 case: the timeout fired but the FileStream read went on until the child wrote c.
        var fileStream = rows["filestream"];
        Assert.Single(fileStream["steps"], s => s == 'N');
        Assert.DoesNotContain('T', fileStream["steps"]);
        Assert.Equal("c", fileStream["late"]);
        Assert.Equal("not-cancelled", fileStream["verdict"]);
        Assert.Contains("NOT cancelled", run.Output, StringComparison.Ordinal);
    }

    private static (SampleProcess.Result Run, Dictionary<string, Dictionary<string, string>> Rows) RunOnce(string backend)
    {
        var run = SampleProcess.Run("ChildProcessComparison", TimeSpan.FromSeconds(60), "--quick", "--backend", backend);
        Assert.True(run.ExitCode == 0, run.ToString());
        return (run, Rows(run));
    }

    /// <summary>
    /// The machine-readable lines: "RESULT asyncfd k=v …" under "asyncfd" (and filestream, process), "RUN k=v …"
    /// under "RUN". Fails when one is missing.
    /// </summary>
    private static Dictionary<string, Dictionary<string, string>> Rows(SampleProcess.Result run)
    {
        var rows = new Dictionary<string, Dictionary<string, string>>();
        foreach (var line in run.Output.Split('\n', StringSplitOptions.TrimEntries))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var (key, pairs) = words switch
            {
                ["RESULT", var reader, .. var rest] => (reader, rest),
                ["RUN", .. var rest] => ("RUN", rest),
                _ => (null, []),
            };
            if (key is not null)
            {
                rows[key] = pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
            }
        }

        foreach (var key in new[] { "asyncfd", "filestream", "process", "RUN" })
        {
            Assert.True(rows.ContainsKey(key), $"no {key} line\n{run}");
        }

        return rows;
    }
}
