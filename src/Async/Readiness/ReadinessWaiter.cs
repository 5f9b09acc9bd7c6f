using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks.Sources;

namespace EporeX;

/// <summary>
/// One await on a <see cref="ReadinessCell"/>: a node of the cell's FIFO of waiters, and the
/// <see cref="IValueTaskSource{TResult}"/> behind the await's <c>ValueTask</c>. Nodes are pooled by their
/// cell and reset for every await, so an await that has to suspend allocates nothing in steady state.
/// </summary>
/// <remarks>
/// A node's life: rented and queued under the cell's lock (<see cref="Start"/>), its cancellation armed
/// outside the lock (<see cref="ArmCancellation"/>), taken out of the queue under the lock by an event, a
/// cancellation or a shutdown (<see cref="Take"/>), completed outside the lock, and returned to the pool
/// when the awaiter has read its result (<see cref="GetResult"/>). The version of the
/// <see cref="ManualResetValueTaskSourceCore{TResult}"/> tells a stale <c>ValueTask</c> from the current one.
/// </remarks>
internal sealed class ReadinessWaiter : IValueTaskSource<ReadyGuard>
{
    private readonly ReadinessCell _cell;
    private ManualResetValueTaskSourceCore<ReadyGuard> _core;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    public ReadinessWaiter(ReadinessCell cell) => _cell = cell;

    /// <summary>The neighbours in the cell's queue, or the next free node in its pool.</summary>
    public ReadinessWaiter? Next { get; set; }

    /// <inheritdoc cref="Next"/>
    public ReadinessWaiter? Previous { get; set; }

    /// <summary>The guard an event completes the node with, kept between the cell's lock and the completion.</summary>
    public ReadyGuard Result { get; set; }

    /// <summary>What the await waits for; valid while <see cref="IsQueued"/>.</summary>
    public Interest Interest { get; private set; }

    /// <summary>True from <see cref="Start"/> until <see cref="Take"/>: the node is in the cell's queue.</summary>
    public bool IsQueued { get; private set; }

    /// <summary>
    /// The await's consumer learns of a shut cell from a default <see cref="ReadyGuard"/> rather than an
    /// exception (see <see cref="ReadinessCell.ReadyNowOrLater"/>); set by <see cref="Start"/>, read by a
    /// shutdown after <see cref="Take"/>, kept until the node is started again.
    /// </summary>
    public bool ShutAsDefault { get; private set; }

    /// <summary>The token of the await in progress (a late callback of an earlier await's token is told apart by it).</summary>
    public CancellationToken Token => _token;

    /// <summary>Starts an await; the caller holds the cell's lock and queues the node.</summary>
    public short Start(Interest interest, bool inlineContinuation, bool shutAsDefault, CancellationToken token)
    {
        Debug.Assert(!IsQueued);
        _core.Reset();
        _core.RunContinuationsAsynchronously = !inlineContinuation;
        Interest = interest;
        ShutAsDefault = shutAsDefault;
        _token = token;
        IsQueued = true;
        return _core.Version;
    }

    /// <summary>
    /// Registers the await's cancellation, outside the cell's lock (a token being cancelled runs its
    /// callback inline here). When the await was taken meanwhile, the registration is undone at once.
    /// </summary>
    public void ArmCancellation(Lock gate, CancellationToken token)
    {
        if (!token.CanBeCanceled)
        {
            return;
        }

        var registration = token.UnsafeRegister(static (state, cancelled) => ((ReadinessWaiter)state!)._cell.Cancel((ReadinessWaiter)state, cancelled), this);
        bool keep;
        lock (gate)
        {
            keep = IsQueued && _token == token;
            if (keep)
            {
                _registration = registration;
            }
        }

        if (!keep)
        {
            registration.Unregister();
        }
    }

    /// <summary>Takes the node out of service; the caller holds the cell's lock and has unlinked it. Complete it outside the lock.</summary>
    public void Take()
    {
        Debug.Assert(IsQueued);
        IsQueued = false;
        _token = default;
    }

    /// <summary>Completes a taken node with <paramref name="guard"/> (outside the cell's lock).</summary>
    public void Complete(ReadyGuard guard)
    {
        ReleaseCancellation();
        _core.SetResult(guard);
    }

    /// <summary>Fails a taken node with <paramref name="error"/> (outside the cell's lock).</summary>
    public void Fail(Exception error)
    {
        ReleaseCancellation();
        _core.SetException(error);
    }

    public ReadyGuard GetResult(short token)
    {
        var stale = token != _core.Version;
        try
        {
            return _core.GetResult(token); // a stale token throws: that ValueTask was already consumed
        }
        finally
        {
            if (!stale)
            {
                _cell.Return(this);
            }
        }
    }

    private void ReleaseCancellation()
    {
        // Written under the cell's lock before the node was taken, and never after: safe to read here.
        var registration = _registration;
        _registration = default;
        registration.Unregister();
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
