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
    /// Reads until the end of the stream. A read still pending <paramref name="grace"/> after its timeout
    /// fired has ignored the cancellation: it is awaited to its end (the child's next write) and noted as
    /// <see cref="StepKind.NotCancelled"/>.
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
                var read = readLine(cts.Token).AsTask();
                if (await Task.WhenAny(read, Task.Delay(timeout + grace)).ConfigureAwait(false) != read)
                {
                    // The token fired `grace` ago and the read is still there: it is not cancellable.
                    // It ends only when the child writes or closes its stdout (or at the limit: the caller kills the child).
                    var late = await read.WaitAsync(limit).ConfigureAwait(false);
                    timeline.Add(StepKind.NotCancelled, start, late ?? "(end of stream)");
                    if (late is null)
                    {
                        return;
                    }

                    continue;
                }

                try
                {
                    var line = await read.ConfigureAwait(false);
                    if (line is null)
                    {
                        timeline.Add(StepKind.EndOfStream, start);
                        return;
                    }

                    timeline.Add(StepKind.Line, start, line);
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    timeline.Add(StepKind.TimedOut, start);
                }
            }
        }
        finally
        {
            cts.Dispose();
        }
    }
}
