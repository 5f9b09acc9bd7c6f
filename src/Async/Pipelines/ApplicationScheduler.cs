using System;
using System.IO.Pipelines;
using System.Threading;

namespace EporeX;

/// <summary>
/// The input pipe's reader scheduler when the receiver runs on the loop thread and the application on the
/// pool: each continuation of the application's read is a thread-pool work item of its own (this object: no
/// allocation), and the sends it defers leave when it returns or waits, on its thread, with no work item of
/// their own, or by <see cref="HeldSendWatchdog"/> should it block (see <see cref="DescriptorPipeWriter.BeginBatch"/>).
/// </summary>
internal sealed class ApplicationScheduler(DescriptorPipeWriter output) : PipeScheduler, IThreadPoolWorkItem
{
    private Action<object?>? _action;
    private object? _state;
    private int _queued;

    public override void Schedule(Action<object?> action, object? state)
    {
        if (Interlocked.Exchange(ref _queued, 1) != 0)
        {
            // The pipe has one reader continuation at a time; should a second come before the first started, it goes unbatched.
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(action, state, preferLocal: false);
            return;
        }

        _action = action;
        _state = state;
        System.Threading.ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        var action = _action!;
        var state = _state;
        _action = null;
        _state = null;
        Volatile.Write(ref _queued, 0);

        var batch = output.BeginBatch();
        try
        {
            action(state);
        }
        finally
        {
            if (batch)
            {
                output.EndBatch();
            }
        }
    }
}
