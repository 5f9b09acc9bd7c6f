using System;
using System.IO.Pipelines;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// A <see cref="DescriptorPipe"/>'s receive loop: reads the descriptor straight into the input pipe's
/// memory (no copy) until it would block, flushing after each read; waits on the flush when the
/// application has fallen behind by the pause threshold (backpressure: the descriptor is left unread).
/// </summary>
internal static class PipeReceiver
{
    public static async Task RunAsync(DescriptorPipe owner, IoRegistration io, PipeWriter writer, int segment, bool waitForData, bool shortReadDrains, bool leaveTheLoopThread)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                if (waitForData)
                {
                    // Known readiness completes at once; an idle connection holds no segment meanwhile.
                    await io.Cell.WaitAsync(Interest.Readable, default).ConfigureAwait(false);
                }

                var memory = writer.GetMemory(segment);
                var tick = io.Cell.ReadTick;
                var n = io.TryReadNow(memory.Span); // EAGAIN clears what it saw (the tick rule)
                if (n < 0)
                {
                    if (!waitForData)
                    {
                        await io.Cell.WaitAsync(Interest.Readable, default).ConfigureAwait(false);
                    }

                    continue;
                }

                if (n == 0)
                {
                    break; // the peer finished sending: the application reads the end of the stream
                }

                writer.Advance(n);
                if (shortReadDrains && n < memory.Length)
                {
                    io.Cell.ClearAfterWouldBlock(read: true, tick); // drained: skip the read that would say EAGAIN
                }

                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break; // the application stopped reading, or the pipe is aborted
                }
            }
        }
        catch (Exception e)
        {
            error = owner.ErrorFor(e);
        }

        if (leaveTheLoopThread)
        {
            // It ran on a pool loop's thread: whoever awaits the end of receiving continues on the pool, not there.
            await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        }

        await writer.CompleteAsync(error ?? owner.AbortReason).ConfigureAwait(false);
    }
}
