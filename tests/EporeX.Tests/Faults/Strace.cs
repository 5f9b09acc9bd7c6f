using System;
using System.Diagnostics;
using System.IO;

namespace EporeX.Tests.Faults;

/// <summary>
/// Debian's strace, which the fault suite cannot do without: on Linux a missing strace, or a kernel or
/// sandbox that forbids ptrace, fails the suite with the reason (.ci/run installs strace), never skips it.
/// </summary>
internal static class Strace
{
    private static readonly Lazy<string?> Problem = new(Check);

    /// <summary>Fails the calling test unless strace is installed and may trace here.</summary>
    public static void Require()
    {
        if (Problem.Value is { } problem)
        {
            Assert.Fail(problem);
        }
    }

    private static string? Check()
    {
        var start = new ProcessStartInfo("strace", "-f -qq -o /dev/null -e trace=getpid -e inject=getpid:retval=1 true")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        try
        {
            using var strace = Process.Start(start)!;
            var stderr = strace.StandardError.ReadToEndAsync();
            if (!strace.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                strace.Kill();
                return "strace did not finish tracing `true` within 60 s";
            }

            return strace.ExitCode == 0
                ? null
                : $"strace cannot trace here (exit {strace.ExitCode}): {stderr.Result.Trim()} — the fault suite needs ptrace (a container may need --cap-add=SYS_PTRACE, and kernel.yama.ptrace_scope ≤ 1)";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"strace is not installed ({e.Message}): the fault suite needs it. Debian/Ubuntu: apt-get install -y strace (.ci/run does this)";
        }
        catch (IOException e)
        {
            return $"strace could not be started: {e.Message}";
        }
    }
}
