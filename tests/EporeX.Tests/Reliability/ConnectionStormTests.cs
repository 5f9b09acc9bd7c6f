using System;
using System.Diagnostics;
using System.IO;
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

        using var storm = Process.Start(start)!;
        var stdout = storm.StandardOutput.ReadToEndAsync();
        var stderr = storm.StandardError.ReadToEndAsync();
        if (!storm.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            storm.Kill(entireProcessTree: true);
            Assert.Fail("ConnectionStorm did not finish within 120 s");
        }

        storm.WaitForExit();
        output.WriteLine(stdout.Result);
        Skip.If(storm.ExitCode == SkippedExit, stdout.Result.Trim());
        Assert.True(storm.ExitCode == 0, $"ConnectionStorm failed (exit {storm.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        Assert.Contains("PASSED: 10000 connections", stdout.Result);
    }
}
