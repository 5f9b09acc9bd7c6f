using System;
using System.Diagnostics;
using System.Globalization;

namespace EporeX.Bench.ChildProcessComparison;

/// <summary>
/// The child: <c>sh -c 'echo a; sleep FIRST; echo b; sleep SECOND; echo c'</c>. Line b comes soon after a;
/// c comes only after a silence longer than the per-line timeout, so the timeout must fire before it.
/// </summary>
internal sealed record ChildScript(TimeSpan First, TimeSpan Second)
{
    /// <summary>The example: a, 1 s, b, 5 s, c.</summary>
    public static ChildScript Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

    public string Command => string.Create(CultureInfo.InvariantCulture,
        $"echo a; sleep {First.TotalSeconds:0.###}; echo b; sleep {Second.TotalSeconds:0.###}; echo c");

    /// <summary>When the last line is due, from the child's start.</summary>
    public TimeSpan Length => First + Second;

    public Process Start()
    {
        var info = new ProcessStartInfo("sh") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Command);
        return Process.Start(info) ?? throw new InvalidOperationException("sh did not start");
    }

    /// <summary>Ends the child by its PID if it still runs, so no run leaves a process behind.</summary>
    public static void Stop(Process child)
    {
        try
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // it exited between the check and the kill
        }

        child.WaitForExit();
    }
}
