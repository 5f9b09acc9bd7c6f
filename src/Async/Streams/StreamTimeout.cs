using System;
using System.Threading;

namespace EporeX;

/// <summary>
/// The timeout of one direction of an <see cref="AsyncFdStream"/>, composed outside the readiness wait as
/// a cancellation: one <see cref="CancellationTokenSource"/> reused for every timed operation
/// (<see cref="CancellationTokenSource.TryReset"/>), linked to the caller's token for the length of the
/// operation. A timed operation that does not expire allocates nothing in steady state.
/// </summary>
internal sealed class StreamTimeout : IDisposable
{
    private CancellationTokenSource? _source;
    private CancellationTokenRegistration _link;
    private CancellationToken _caller;

    /// <summary>Milliseconds one operation may take; <see cref="Timeout.Infinite"/> for no limit.</summary>
    public int Milliseconds { get; private set; } = Timeout.Infinite;

    public bool IsInfinite => Milliseconds == Timeout.Infinite;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is neither positive nor <see cref="Timeout.Infinite"/>.</exception>
    public void Set(int value)
    {
        if (value <= 0 && value != Timeout.Infinite)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A timeout is a positive number of milliseconds, or Timeout.Infinite (-1).");
        }

        Milliseconds = value;
    }

    /// <summary>Starts timing one operation; its token ends at the timeout or when <paramref name="caller"/> is cancelled.</summary>
    public CancellationToken Start(CancellationToken caller)
    {
        if (_source is null || !_source.TryReset())
        {
            _source?.Dispose(); // it expired last time: a cancelled source cannot be reset
            _source = new CancellationTokenSource();
        }

        _caller = caller;
        if (caller.CanBeCanceled)
        {
            _link = caller.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _source);
        }

        _source.CancelAfter(Milliseconds);
        return _source.Token;
    }

    /// <summary>
    /// Ends the operation's timing. Returns the exception to throw instead of <paramref name="cancelled"/>:
    /// a <see cref="TimeoutException"/> when the timeout, not the caller, cancelled it.
    /// </summary>
    public Exception Translate(OperationCanceledException cancelled, string operation) =>
        _caller.IsCancellationRequested
            ? new OperationCanceledException(cancelled.Message, cancelled, _caller)
            : new TimeoutException($"The {operation} did not complete within {Milliseconds} ms.", cancelled);

    /// <summary>Stops the timer and unlinks the caller's token; the source is reused by the next operation.</summary>
    public void Stop()
    {
        _source?.TryReset(); // stops its timer, so an idle stream is never cancelled behind the next operation
        _link.Dispose();
        _link = default;
        _caller = default;
    }

    public void Dispose()
    {
        _link.Dispose();
        _source?.Dispose();
    }
}
