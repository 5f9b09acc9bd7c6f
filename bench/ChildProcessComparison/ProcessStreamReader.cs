using System;
using System.Threading.Tasks;

namespace EporeX.Bench.ChildProcessComparison;

/// <summary>
/// For comparison, <see cref="System.Diagnostics.Process.StandardOutput"/> itself: on Linux and macOS its
/// base stream is an AnonymousPipeClientStream, whose ReadAsync the runtime makes cancellable (unlike
/// FileStream's), so this one does honour the timeout.
/// </summary>
internal static class ProcessStreamReader
{
    public const string Name = "Process.StandardOutput.ReadLineAsync(ct)";

    public static async Task<Timeline> RunAsync(ChildScript script, TimeSpan timeout, TimeSpan grace)
    {
        var timeline = new Timeline(Name);
        using var child = script.Start();
        try
        {
            var reader = child.StandardOutput;
            await LineTimeouts.RunAsync(ct => reader.ReadLineAsync(ct), timeline, timeout, grace, script.Length + timeout * 2).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            timeline.Add(StepKind.NotCancelled, timeline.Now, "(nothing: gave up and killed the child)");
        }
        finally
        {
            ChildScript.Stop(child);
        }

        return timeline;
    }
}
