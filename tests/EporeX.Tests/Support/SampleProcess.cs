using System;
using System.Diagnostics;

namespace EporeX.Tests.Support;

/// <summary>A sample (samples/) or a harness (bench/) run as a child process to its end, as a user runs it: <c>dotnet NAME.dll ARGUMENTS</c>.</summary>
internal static class SampleProcess
{
    /// <summary>
    /// Runs <paramref name="name"/> (found by <see cref="SampleBinaries.Dll"/>) and returns its exit status
    /// and output. Past <paramref name="within"/> it kills the process it started (by its handle, with its
    /// children) and fails with what it had written.
    /// </summary>
    public static (int ExitCode, string Output, string Errors) Run(string name, TimeSpan within, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(SampleBinaries.Dll(name));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(within))
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            Assert.Fail($"{name} {string.Join(' ', arguments)} did not end within {within.TotalSeconds} s (killed pid {child.Id})\n{output.Result}\n{errors.Result}");
        }

        child.WaitForExit(); // the redirected streams to their end
        return (child.ExitCode, output.Result, errors.Result);
    }
}
