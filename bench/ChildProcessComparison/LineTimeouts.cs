using System;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Bench.ChildProcessComparison;

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
    /// after its token was cancelled has ignored the cancellation: it is noted as <see cref="StepKind.NotCancelled"/>.
    /// Judged from when the cancellation really happened, not from when it was due: a busy thread pool runs
    /// the timeout's timer late, and no read can honour a cancellation before it happens. Each step keeps
    /// how late that timer was (<see cref="Step.TimerLateMs"/>), so a caller can tell a run that showed
    /// nothing because the machine was too busy.
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

                var cancel = new CancelTime(timeline, timeline.Now, timeout);
                using var noted = cts.Token.UnsafeRegister(static state => ((CancelTime)state!).Note(), cancel);
                cts.CancelAfter(timeout);
                string? line;
                try
                {
                    // Bounded: a read that never ends throws TimeoutException here, and the caller kills the child.
                    line = await readLine(cts.Token).AsTask().WaitAsync(limit).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    timeline.Add(StepKind.TimedOut, cancel.StartMs, timerLateMs: cancel.LateMs());
                    continue;
                }

                var kind = timeline.Now - cancel.CancelledMs > grace.TotalMilliseconds ? StepKind.NotCancelled
                    : line is null ? StepKind.EndOfStream
                    : StepKind.Line;
                timeline.Add(kind, cancel.StartMs, kind == StepKind.NotCancelled ? line ?? "(end of stream)" : line, cancel.LateMs());
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

    /// <summary>When one read's timeout was due and when its token was really cancelled.</summary>
    private sealed class CancelTime(Timeline timeline, double startMs, TimeSpan timeout)
    {
        private readonly double _dueMs = startMs + timeout.TotalMilliseconds;
        private double _cancelledMs = double.NaN;

        public double StartMs => startMs;

        /// <summary>When the token was cancelled; NaN while it has not been (then no comparison holds).</summary>
        public double CancelledMs => Volatile.Read(ref _cancelledMs);

        public void Note() => Volatile.Write(ref _cancelledMs, timeline.Now);

        /// <summary>How late the timer fired (0 when on time); up to now when it is due and has not fired yet.</summary>
        public double LateMs()
        {
            var now = timeline.Now;
            var at = double.IsNaN(CancelledMs) ? now : CancelledMs;
            return Math.Max(0, at - _dueMs);
        }
    }
}
