using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Reliability;

/// <summary>
/// 10,000 loopback TCP connections, all open at once, to a single-threaded echo loop on one Poll: one
/// message each, all closed, no error, no descriptor leaked on either side. Runs bench/ConnectionStorm
/// (server in that process, clients in its child) because the two sides together need more descriptors
/// than one process may hold here (RLIMIT_NOFILE hard limit 20,000).
/// </summary>
[Collection(SerialCollection.Name)] // 20,000 sockets on loopback: nothing else should compete for ports
public sealed class ConnectionStormTests(ITestOutputHelper output)
{
    private const int SkippedExit = 2;

    /// <summary>No line for this long: the storm is stuck (a lost wake-up, a dead loop), not slow.</summary>
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(60);

    /// <summary>A last resort against a storm that creeps along forever.</summary>
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(20);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Ten_thousand_connections_echo_once_and_close_without_a_leak(string backend)
    {
        Backends.Open(backend).Dispose();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ConnectionStorm.dll"));
        start.ArgumentList.Add("10000");
        start.Environment["EPOREX_BACKEND"] = backend;

        // Bounded by progress, not by total time: a loaded machine may take minutes, a stuck loop stops
        // printing. The storm prints a line per 1,000 connections connected and per 1,000 echoed.
        using var storm = new Process { StartInfo = start };
        var lines = new StringBuilder();
        var lastLine = Stopwatch.StartNew();
        storm.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (lines)
                {
                    lines.AppendLine(e.Data);
                    lastLine.Restart();
                }
            }
        };
        storm.Start();
        storm.BeginOutputReadLine();
        var stderr = storm.StandardError.ReadToEndAsync();
        var total = Stopwatch.StartNew();
        while (!storm.WaitForExit(TimeSpan.FromSeconds(1)))
        {
            TimeSpan quiet;
            lock (lines)
            {
                quiet = lastLine.Elapsed;
            }

            if (quiet > Stall || total.Elapsed > Cap)
            {
                storm.Kill(entireProcessTree: true);
                storm.WaitForExit();
                Assert.Fail($"ConnectionStorm made no progress for {quiet.TotalSeconds:F0} s ({total.Elapsed.TotalSeconds:F0} s in all):\n{Text(lines)}");
            }
        }

        storm.WaitForExit(); // the last lines
        var stdout = Text(lines);
        output.WriteLine(stdout);
        Skip.If(storm.ExitCode == SkippedExit, stdout.Trim());
        Assert.True(storm.ExitCode == 0, $"ConnectionStorm failed (exit {storm.ExitCode}):\n{stdout}\n{stderr.Result}");
        Assert.Contains("PASSED: 10000 connections", stdout);
    }

    private static string Text(StringBuilder lines)
    {
        lock (lines)
        {
            return lines.ToString();
        }
    }
}
