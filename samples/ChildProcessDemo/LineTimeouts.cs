using System;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Samples.ChildProcessDemo;

/// <summary>
/// The loop every reader runs: read a line with a per-line timeout (a CancellationToken that fires after
/// <c>timeout</c>), note what happened, go on until the end of the stream. The same loop for every reader,
/// so the only difference in their timelines is whether the read honours the token.
/// </summary>
internal static class LineTimeouts
{
    /// <summary>At most this many steps: a reader that loops on timeouts forever still ends.</summary>
    private const int MaxSteps = 16;

    /// <summary>
    /// Reads until the end of the stream. A read that returns a line more than <paramref name="grace"/>
    /// after its timeout fired has ignored the cancellation: it is noted as <see cref="StepKind.NotCancelled"/>.
    /// (Judged from the outcome and its time, not from a race with a timer, so a busy thread pool that runs
    /// timers late cannot change the verdict.)
    /// </summary>
    public static async Task RunAsync(Func<CancellationToken, ValueTask<string?>> readLine, Timeline timeline, TimeSpan timeout, TimeSpan grace, TimeSpan limit)
    {
        var cts = new CancellationTokenSource();
        try
        {
            for (var steps = 0; steps < MaxSteps; steps++)
            {
                if (!cts.TryReset())
                {
                    cts.Dispose();
                    cts = new CancellationTokenSource();
                }

                var start = timeline.Now;
                cts.CancelAfter(timeout);
                string? line;
                try
                {
                    // Bounded: a read that never ends throws TimeoutException here, and the caller kills the child.
                    line = await readLine(cts.Token).AsTask().WaitAsync(limit).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    timeline.Add(StepKind.TimedOut, start);
                    continue;
                }

                if (timeline.Now - start > (timeout + grace).TotalMilliseconds)
                {
                    timeline.Add(StepKind.NotCancelled, start, line ?? "(end of stream)");
                }
                else
                {
                    timeline.Add(line is null ? StepKind.EndOfStream : StepKind.Line, start, line);
                }

                if (line is null)
                {
                    return;
                }
            }
        }
        finally
        {
            cts.Dispose();
        }
    }
}
