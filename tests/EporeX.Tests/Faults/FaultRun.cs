using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace EporeX.Tests.Faults;

/// <summary>
/// One run of tests/EporeX.FaultDriver under strace's fault injection. The driver starts untraced (the
/// dynamic loader and the runtime's start-up do not survive an injected EINTR or EAGAIN), warms up, prints
/// its pid and waits; strace then attaches to all its threads (<c>-f -p</c>) and injects until the driver
/// exits. What the run found: the driver's result line and exit code, and how many calls strace marked
/// <c>(INJECTED)</c> or <c>(DELAYED)</c> in its output file.
/// </summary>
internal sealed partial class FaultRun
{
    /// <summary>The driver ends by itself within 45 s once traced; this is for a start-up or tracer that hangs.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private FaultRun(int exitCode, string? result, int injected, string log)
    {
        ExitCode = exitCode;
        Result = result;
        Injected = injected;
        Log = log;
        Counts = result is null
            ? new Dictionary<string, string>()
            : Pair().Matches(result).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
    }

    public int ExitCode { get; }

    /// <summary>The driver's <c>fault-driver … result=…</c> line, or null when it printed none.</summary>
    public string? Result { get; }

    public int Injected { get; }

    /// <summary>Everything else both processes printed, for a failure message.</summary>
    public string Log { get; }

    /// <summary>The result line's key=value pairs (result, refused, bytes, ms…).</summary>
    public IReadOnlyDictionary<string, string> Counts { get; }

    public long Count(string key) => Counts.TryGetValue(key, out var value) && long.TryParse(value, out var n) ? n : 0;

    public static FaultRun Start(FaultCase fault)
    {
        var trace = Path.GetTempFileName();
        var output = new StringBuilder();
        var ready = new ManualResetEventSlim();
        string? result = null;
        int pid = 0;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EporeX.FaultDriver.dll"));
        foreach (var argument in new[] { "--scenario", fault.Scenario, "--backend", fault.Backend, "--await-tracer", "yes" })
        {
            start.ArgumentList.Add(argument);
        }

        if (fault.Refusals is not null)
        {
            start.ArgumentList.Add("--refusal");
            start.ArgumentList.Add(fault.Refusals);
        }

        // No tiered-compilation worker or background GC thread to start while traced: the runtime starts
        // a thread with a write(2) of its own and cannot survive that write being refused.
        start.Environment["DOTNET_TieredCompilation"] = "0";
        start.Environment["DOTNET_gcConcurrent"] = "0";
        using var driver = new Process { StartInfo = start };
        driver.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
                if (line.StartsWith("fault-driver ready pid=", StringComparison.Ordinal))
                {
                    pid = int.Parse(line.AsSpan("fault-driver ready pid=".Length), System.Globalization.CultureInfo.InvariantCulture);
                    ready.Set();
                }
                else if (line.StartsWith("fault-driver ", StringComparison.Ordinal) && line.Contains(" result=", StringComparison.Ordinal))
                {
                    result = line;
                }
            }
        };
        driver.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        };
        driver.Start();
        driver.BeginOutputReadLine();
        driver.BeginErrorReadLine();
        Process? strace = null;
        try
        {
            if (!ready.Wait(Limit) && !driver.HasExited)
            {
                Assert.Fail($"{fault}: the driver did not get ready within {Limit.TotalSeconds} s:\n{Text(output)}");
            }

            if (pid != 0)
            {
                strace = Process.Start(new ProcessStartInfo("strace")
                {
                    UseShellExecute = false,
                    RedirectStandardError = true,
                    ArgumentList = { "-f", "-qq", "-o", trace, "-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-e", $"trace={fault.Syscalls}", "-e", $"inject={fault.Syscalls}:{fault.Injection}" },
                })!;
            }

            if (!driver.WaitForExit(Limit))
            {
                driver.Kill(entireProcessTree: true); // our child, by its handle
                driver.WaitForExit();
                Assert.Fail($"{fault}: the driver did not end within {Limit.TotalSeconds} s:\n{Text(output)}");
            }

            driver.WaitForExit(); // the last lines
            var straceErrors = "";
            if (strace is not null)
            {
                if (!strace.WaitForExit(Limit))
                {
                    strace.Kill();
                }

                straceErrors = strace.StandardError.ReadToEnd();
            }

            var injected = File.ReadLines(trace).Count(l => l.Contains("(INJECTED)", StringComparison.Ordinal) || l.Contains("(DELAYED)", StringComparison.Ordinal));
            lock (output)
            {
                return new FaultRun(driver.ExitCode, result, injected, $"{output}{(straceErrors.Length > 0 ? $"strace: {straceErrors}" : "")}");
            }
        }
        finally
        {
            strace?.Dispose();
            File.Delete(trace);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [GeneratedRegex(@"(\w+)=(\S+)")]
    private static partial Regex Pair();
}
