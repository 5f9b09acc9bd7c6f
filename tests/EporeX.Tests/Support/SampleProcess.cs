using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace EporeX.Tests.Support;

/// <summary>
/// Runs a sample's or a harness's program (<see cref="SampleBinaries.Dll"/>) as a child process, bounded in
/// time: one still running at the limit is killed through its own handle (its PID, with its children), never
/// by name, and the test fails with what it had printed.
/// </summary>
internal static class SampleProcess
{
    /// <summary>What a finished run printed.</summary>
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Errors}";
    }

    public static Result Run(string name, TimeSpan limit, params string[] arguments)
    {
        using var child = Process.Start(SampleBinaries.StartInfo(name, arguments)) ?? throw new InvalidOperationException($"{name} did not start");
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(limit))
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            Assert.Fail($"{name} {string.Join(' ', arguments)} did not finish within {limit.TotalSeconds} s; killed pid {child.Id}\n{Text(output)}\n{Text(errors)}");
        }

        child.WaitForExit(); // the end of its output
        return new Result(child.ExitCode, Text(output), Text(errors));
    }

    private static string Text(Task<string> read) => read.Wait(TimeSpan.FromSeconds(10)) ? read.Result : "(its output did not end)";
}
