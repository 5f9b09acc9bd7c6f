using System;
using System.Diagnostics;
using System.IO;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// samples/EventSources as a child process on every backend: with --self-test it serves an echo, counts
/// ten timer ticks, reaps a child and then stops on the SIGTERM it sends itself, all through one Wait;
/// exit status 0 means every kind of event arrived.
/// </summary>
public sealed class EventSourcesSampleTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void The_sample_serves_sockets_ticks_reaps_and_stops_on_SIGTERM_in_one_Wait(string backend)
    {
        using (Backends.Open(backend))
        {
            // skips (or fails, when required) a backend that cannot run here
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EventSources.dll"));
        start.ArgumentList.Add("--self-test");
        start.ArgumentList.Add("--backend");
        start.ArgumentList.Add(backend);
        using var sample = Process.Start(start)!;
        var output = sample.StandardOutput.ReadToEndAsync();
        var errors = sample.StandardError.ReadToEndAsync();
        if (!sample.WaitForExit(60_000))
        {
            sample.Kill();
            Assert.Fail("the sample did not stop within 60 s");
        }

        Assert.True(sample.ExitCode == 0, $"exit {sample.ExitCode}\n{output.Result}\n{errors.Result}");
        Assert.Contains("terminated by signal: True", output.Result, StringComparison.Ordinal);
    }
}
