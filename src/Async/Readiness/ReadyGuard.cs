using System;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// What an <see cref="AsyncFd"/> await found ready. Readiness is a hint: the operation may still fail with
/// EAGAIN. When it does, call <see cref="ClearReady()"/> and await again.
/// </summary>
/// <remarks>
/// <see cref="ClearReady()"/> follows tokio's tick rule, kept per direction where tokio keeps one tick for
/// both: each direction (read, write) counts the events the loop has delivered for it, and the guard
/// remembers the count it saw. Clearing forgets the readiness only when no event came for that direction
/// since the guard was issued; otherwise the newer readiness stays and the next await completes at once.
/// Readiness that arrives between an EAGAIN and the next await is therefore never lost, whatever the
/// interleaving with the loop thread.
/// </remarks>
public struct ReadyGuard : IEquatable<ReadyGuard>
{
    private readonly ReadinessCell? _owner;
    private readonly ulong _readTick;
    private readonly ulong _writeTick;
    private readonly Interest _interest;

    internal ReadyGuard(ReadinessCell owner, Readiness ready, Interest interest, ulong readTick, ulong writeTick)
    {
        _owner = owner;
        Ready = ready;
        _interest = interest;
        _readTick = readTick;
        _writeTick = writeTick;
    }

    /// <summary>A default guard: a callback-driven wait learnt that its cell shut (see <see cref="ReadinessCell.ReadyNowOrLater"/>).</summary>
    internal readonly bool IsShutSignal => _owner is null;

    /// <summary>
    /// Every readiness bit the await saw, limited to what it asked for (errors always included); as tokio's
    /// <c>ready()</c>, empty once <see cref="ClearReady()"/> was called on this guard, and without the bits of
    /// a direction cleared with <see cref="ClearReady(Interest)"/>.
    /// </summary>
    public Readiness Ready { readonly get; private set; }

    /// <summary>A read will not block (it may return data, the end of the stream, or an error).</summary>
    public readonly bool IsReadable => (Ready & Readiness.Readable) != 0;

    /// <summary>A write will not block.</summary>
    public readonly bool IsWritable => (Ready & Readiness.Writable) != 0;

    /// <summary>The read half is closed: a read returns the end of the stream. Final: never cleared.</summary>
    public readonly bool IsReadClosed => (Ready & Readiness.ReadClosed) != 0;

    /// <summary>The write half is closed: a write fails. Final: never cleared.</summary>
    public readonly bool IsWriteClosed => (Ready & Readiness.WriteClosed) != 0;

    /// <summary>An error is pending on the descriptor; the next read or write reports it.</summary>
    public readonly bool IsError => (Ready & Readiness.Error) != 0;

    /// <summary>Priority data is pending.</summary>
    public readonly bool IsPriority => (Ready & Readiness.Priority) != 0;

    /// <summary>
    /// Forgets the readiness this guard saw (not the closed states, which are final), unless the loop
    /// delivered newer readiness for the same direction since the guard was issued. Call it after the
    /// operation returned EAGAIN. Does nothing on a default guard or a disposed descriptor.
    /// </summary>
    public void ClearReady()
    {
        _owner?.Clear(Ready, _interest, _readTick, _writeTick);
        Ready = Readiness.None;
    }

    /// <summary>
    /// Forgets the readiness this guard saw in <paramref name="directions"/> only (tokio's
    /// <c>clear_ready_matching</c>): a guard awaited for reading and writing whose read returned EAGAIN
    /// clears <see cref="Interest.Readable"/>, and the writability it saw stays, where no new edge would
    /// report it again. The rule of <see cref="ClearReady()"/> holds for each direction.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="directions"/> is empty or not part of <see cref="Interest"/>.</exception>
    public void ClearReady(Interest directions)
    {
        InterestRules.Validate(directions, nameof(directions));
        _owner?.Clear(Ready & Directions.Mask(directions), _interest & directions, _readTick, _writeTick);
        Ready &= ~(Directions.Mask(directions) & ~Directions.Final & ~Readiness.Error);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> once and, when it would block, clears the readiness this guard saw
    /// (<see cref="ClearReady()"/>), so that the next await waits for the kernel: tokio's <c>try_io</c>.
    /// </summary>
    /// <returns>True with the operation's result; false when it would block.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="operation"/> is null.</exception>
    /// <remarks>An exception from <paramref name="operation"/> propagates and leaves the readiness as it was.</remarks>
    /// <typeparam name="TState">The type of <paramref name="state"/>.</typeparam>
    /// <typeparam name="TResult">The type of the result.</typeparam>
    public bool TryIo<TState, TResult>(TState state, NonBlockingOperation<TState, TResult> operation, out TResult result)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation(state, out result))
        {
            return true;
        }

        ClearReady();
        return false;
    }

    /// <inheritdoc />
    public readonly bool Equals(ReadyGuard other) =>
        ReferenceEquals(_owner, other._owner) && Ready == other.Ready && _interest == other._interest
        && _readTick == other._readTick && _writeTick == other._writeTick;

    /// <inheritdoc />
    public override readonly bool Equals(object? obj) => obj is ReadyGuard other && Equals(other);

    /// <inheritdoc />
    public override readonly int GetHashCode() => HashCode.Combine(_owner, Ready, _readTick, _writeTick);

    /// <summary>Compares two guards: the same descriptor, readiness and ticks.</summary>
    public static bool operator ==(ReadyGuard left, ReadyGuard right) => left.Equals(right);

    /// <summary>Compares two guards: the same descriptor, readiness and ticks.</summary>
    public static bool operator !=(ReadyGuard left, ReadyGuard right) => !left.Equals(right);

    /// <summary>For example <c>ReadyGuard(Readable, ReadClosed)</c>.</summary>
    public override readonly string ToString() => $"ReadyGuard({Ready})";
}
