using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// The readiness of one registered descriptor, as tokio's <c>ScheduledIo</c> keeps it (with a tick per
/// direction, where tokio has one for both): per direction the readiness bits the loop delivered and a
/// tick that counts those deliveries, and a FIFO of waiters. Any number of awaits may wait at once; an
/// event completes, in queue order, every waiter it satisfies.
/// </summary>
/// <remarks>
/// <para>The tick rule (<see cref="Clear"/>): a direction's readiness is forgotten only when no event came
/// for it since the guard that saw it was issued, so readiness that arrives between an EAGAIN and the next
/// await is never lost.</para>
/// <para>A cell knows nothing of the kernel's trigger modes: after each change it asks its
/// <see cref="IReadinessArming"/> (null for edge-triggered registrations) to arm the directions not known
/// ready. A closed cell is final: its waiters fail with <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
internal sealed class ReadinessCell
{
    private readonly Lock _gate = new();
    private bool _inline;
    private readonly Interest _registered;
    private IReadinessArming? _arming;
    private IPendingWatch? _watch;
    private bool _counted;
    private Readiness _read;
    private Readiness _write;
    private ulong _readTick;
    private ulong _writeTick;
    private readonly WaiterQueue _waiters = new();
    private string? _closedReason;

    public ReadinessCell(Interest registered, bool inlineContinuations)
    {
        _registered = registered;
        _inline = inlineContinuations;
    }

    /// <summary>
    /// From now on, awaits on this cell continue on the thread that completes them (the loop thread, for
    /// an event), whatever the loop's mode: for a consumer that only makes non-blocking calls and hands
    /// the rest on, such as a pipe's receiver. Called before the awaits it concerns start.
    /// </summary>
    public void ContinueInline()
    {
        lock (_gate)
        {
            _inline = true;
        }
    }

    /// <summary>The tick of the read direction, read before a system call so that its EAGAIN can clear what it saw.</summary>
    public ulong ReadTick => Volatile.Read(ref _readTick);

    /// <inheritdoc cref="ReadTick"/>
    public ulong WriteTick => Volatile.Read(ref _writeTick);

    public bool IsClosed => Volatile.Read(ref _closedReason) is not null;

    /// <summary>An error was delivered and is not cleared yet.</summary>
    public bool ErrorReported
    {
        get
        {
            lock (_gate)
            {
                return ((_read | _write) & Readiness.Error) != 0;
            }
        }
    }

    /// <summary>True while an await is queued (read without the lock: a hint for the loop's checks).</summary>
    public bool HasWaiters => !_waiters.IsEmpty;

    /// <summary>
    /// Sets who arms the kernel (oneshot registrations) and who counts pending awaits (descriptors the
    /// library does not own); before the cell is shared with the loop thread.
    /// </summary>
    public void Attach(IReadinessArming? arming, IPendingWatch? watch)
    {
        _arming = arming;
        _watch = watch;
    }

    /// <summary>
    /// The registration is about to leave the kernel: from now on nothing arms it again. An event that the
    /// loop thread delivers meanwhile would otherwise rearm a oneshot registration that another thread is
    /// deregistering, and fail (with an exception thrown and caught) when the deregistration wins.
    /// </summary>
    public void StopArming()
    {
        lock (_gate)
        {
            _arming = null;
        }
    }

    /// <summary>
    /// An await for <paramref name="interest"/>: at once when the readiness is known, else queued until the
    /// loop delivers it. The caller has validated <paramref name="interest"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The cell is closed.</exception>
    public ValueTask<ReadyGuard> WaitAsync(Interest interest, CancellationToken cancellationToken) =>
        WaitAsync(interest, shutAsDefault: false, cancellationToken);

    private ValueTask<ReadyGuard> WaitAsync(Interest interest, bool shutAsDefault, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            ThrowIfClosed();
            return ValueTask.FromCanceled<ReadyGuard>(cancellationToken);
        }

        var mask = Directions.Mask(interest);
        ReadinessWaiter waiter;
        short version;
        bool armed;
        lock (_gate)
        {
            ThrowIfClosed();
            var ready = ReadyLocked(mask);
            if (ready != 0)
            {
                return new ValueTask<ReadyGuard>(GuardLocked(ready, interest));
            }

            waiter = _waiters.Rent() ?? new ReadinessWaiter(this);
            version = waiter.Start(interest, _inline, shutAsDefault, cancellationToken);
            _waiters.Enqueue(waiter);
            CountLocked();
            armed = ArmLocked();
        }

        if (!armed)
        {
            Shut(UnwatchableReason);
        }
        else
        {
            waiter.ArmCancellation(_gate, cancellationToken);
        }

        return new ValueTask<ReadyGuard>(waiter, version);
    }

    /// <summary>
    /// An await for a consumer driven by callbacks rather than <c>await</c> (a pipe's receiver and sender):
    /// true when <paramref name="interest"/> is ready now; else false, and <paramref name="onReady"/> runs
    /// once it is, and takes the outcome from <paramref name="awaiter"/>. When the cell shuts meanwhile, that
    /// outcome is a default <see cref="ReadyGuard"/> (<see cref="ReadyGuard.IsShutSignal"/>), not an exception:
    /// disposing a connection ends its receiver's wait every time, and a thrown exception there would cost
    /// more than the rest of the connection's end. Never on the caller's context: an application's UI or test
    /// context must not run, or hold back, the callback.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The cell is closed already.</exception>
    public bool ReadyNowOrLater(Interest interest, ref ConfiguredValueTaskAwaitable<ReadyGuard>.ConfiguredValueTaskAwaiter awaiter, Action onReady)
    {
#pragma warning disable CA2012 // consumed once: by GetResult below when it completed at once, else by onReady
        awaiter = WaitAsync(interest, shutAsDefault: true, default).ConfigureAwait(false).GetAwaiter();
#pragma warning restore CA2012
        if (!awaiter.IsCompleted)
        {
            awaiter.UnsafeOnCompleted(onReady);
            return false;
        }

        if (awaiter.GetResult().IsShutSignal)
        {
            throw ClosedException(); // shut between the queueing and the arming
        }

        return true;
    }

    /// <summary>The readiness known now for <paramref name="interest"/>, as a guard; false when none is known (nothing waits).</summary>
    /// <exception cref="ObjectDisposedException">The cell is closed.</exception>
    public bool TryGetReady(Interest interest, out ReadyGuard guard)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            var ready = ReadyLocked(Directions.Mask(interest));
            guard = ready != 0 ? GuardLocked(ready, interest) : default;
            return ready != 0;
        }
    }

    /// <summary>The loop thread delivers an event: records it and completes, in FIFO order, every waiter it satisfies.</summary>
    public void OnEvent(Readiness readiness)
    {
        ReadinessWaiter? done = null;
        bool armed;
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            var read = readiness & Directions.ReadSide;
            if (read != 0)
            {
                _read |= read;
                _readTick++;
            }

            var write = readiness & Directions.WriteSide;
            if (write != 0)
            {
                _write |= write;
                _writeTick++;
            }

            _arming?.Disarmed();
            done = TakeSatisfiedLocked();
            CountLocked();
            armed = ArmLocked();
        }

        CompleteAll(done);
        if (!armed)
        {
            Shut(UnwatchableReason);
        }
    }

    /// <summary><see cref="ReadyGuard.ClearReady()"/>: forgets what the guard saw, direction by direction, unless the tick moved on.</summary>
    public void Clear(Readiness seen, Interest interest, ulong readTick, ulong writeTick)
    {
        var forget = seen & ~Directions.Final;
        bool armed;
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            if (Directions.Reads(interest) && _readTick == readTick)
            {
                _read &= ~(forget & Directions.ReadSide);
            }

            if (Directions.Writes(interest) && _writeTick == writeTick)
            {
                _write &= ~(forget & Directions.WriteSide);
            }

            armed = ArmLocked();
        }

        if (!armed)
        {
            Shut(UnwatchableReason);
        }
    }

    /// <summary>A read (or write) returned EAGAIN: forget the direction's readiness unless an event came since <paramref name="tick"/>.</summary>
    public void ClearAfterWouldBlock(bool read, ulong tick)
    {
        if (read)
        {
            Clear(Readiness.Readable | Readiness.Error, Interest.Readable, tick, 0);
        }
        else
        {
            Clear(Readiness.Writable | Readiness.Error, Interest.Writable, 0, tick);
        }
    }

    /// <summary>Closes the cell for good and fails every queued await with <paramref name="reason"/>. False when it was closed already.</summary>
    public bool Shut(string reason)
    {
        ReadinessWaiter? failed = null;
        bool first;
        lock (_gate)
        {
            first = _closedReason is null;
            if (first)
            {
                Volatile.Write(ref _closedReason, reason);
            }

            while (_waiters.First is { } waiter)
            {
                _waiters.Unlink(waiter);
                waiter.Take();
                waiter.Next = failed;
                failed = waiter; // the order of failures does not matter
            }

            CountLocked();
        }

        while (failed is { } waiter)
        {
            failed = waiter.Next;
            if (waiter.ShutAsDefault)
            {
                waiter.Complete(default);
            }
            else
            {
                waiter.Fail(ClosedException());
            }
        }

        return first;
    }

    /// <summary>A waiter's token was cancelled: it alone fails; the readiness and the other waiters stay.</summary>
    public void Cancel(ReadinessWaiter waiter, CancellationToken cancelled)
    {
        lock (_gate)
        {
            // A late callback of an earlier await's token: only the current await's token counts.
            if (!waiter.IsQueued || waiter.Token != cancelled)
            {
                return;
            }

            _waiters.Unlink(waiter);
            waiter.Take();
            CountLocked();
        }

        waiter.Fail(new OperationCanceledException(cancelled));
    }

    /// <summary>A waiter's result was read: back to the pool.</summary>
    public void Return(ReadinessWaiter waiter)
    {
        lock (_gate)
        {
            _waiters.Return(waiter);
        }
    }

    public void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closedReason) is not null)
        {
            throw ClosedException();
        }
    }

    private const string UnwatchableReason = "The descriptor can no longer be watched: it was closed while registered, or its loop is disposed.";

    /// <summary>The error a closed cell's operations report (created, not thrown).</summary>
    public ObjectDisposedException ClosedException() => new(nameof(AsyncFd), _closedReason);

    private Readiness ReadyLocked(Readiness mask) => (_read & mask & Directions.ReadSide) | (_write & mask & Directions.WriteSide);

    private ReadyGuard GuardLocked(Readiness ready, Interest interest) => new(this, ready, interest, _readTick, _writeTick);

    /// <summary>Unlinks, in queue order, every waiter the current readiness satisfies; returns them as a chain through <see cref="ReadinessWaiter.Next"/>.</summary>
    private ReadinessWaiter? TakeSatisfiedLocked()
    {
        ReadinessWaiter? first = null;
        ReadinessWaiter? last = null;
        for (var waiter = _waiters.First; waiter is not null;)
        {
            var next = waiter.Next;
            var ready = ReadyLocked(Directions.Mask(waiter.Interest));
            if (ready != 0)
            {
                _waiters.Unlink(waiter);
                waiter.Take();
                waiter.Result = GuardLocked(ready, waiter.Interest);
                WaiterQueue.Append(ref first, ref last, waiter);
            }

            waiter = next;
        }

        return first;
    }

    private static void CompleteAll(ReadinessWaiter? chain)
    {
        while (chain is { } waiter)
        {
            chain = waiter.Next;
            waiter.Complete(waiter.Result);
        }
    }

    /// <summary>Oneshot registrations: arms the kernel for each registered direction not known ready.</summary>
    private bool ArmLocked()
    {
        if (_arming is null)
        {
            return true;
        }

        var needed = Directions.NotKnownReady(_registered, _read, _write);
        return needed == 0 || _arming.Arm(needed);
    }

    /// <summary>Tells the loop's watch whether this cell (of a descriptor the library does not own) has awaits pending.</summary>
    private void CountLocked()
    {
        var pending = !_waiters.IsEmpty;
        if (_watch is null || pending == _counted)
        {
            return;
        }

        _counted = pending;
        if (pending)
        {
            _watch.Pending();
        }
        else
        {
            _watch.Settled();
        }
    }
}
