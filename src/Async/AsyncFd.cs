using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// One descriptor registered with an <see cref="EventLoop"/>: await its readiness
/// (<see cref="ReadableAsync"/>, <see cref="WritableAsync"/>, <see cref="ReadyAsync"/>), or read and write
/// it asynchronously (<see cref="ReadAsync"/>, <see cref="WriteAsync"/>, <see cref="AsStream"/>).
/// Create one with <c>loop.Register(…)</c>.
/// </summary>
/// <remarks>
/// <para>Readiness is kept per direction until it is cleared (<see cref="ReadyGuard.ClearReady"/>): an await
/// completes at once while the direction is known ready, and otherwise when the loop thread hears of it
/// from the kernel. The registration is edge-triggered where the backend can (epoll, kqueue), and level +
/// oneshot, re-armed by the library for the directions not known ready, where it cannot (poll(2)).</para>
/// <para>One reader and one writer may await at the same time (and one more await on both directions,
/// through <see cref="ReadyAsync"/>); a second await on a direction that is already awaited throws
/// <see cref="InvalidOperationException"/>. A wait that suspends allocates nothing.</para>
/// <para>The library never closes the descriptor. <see cref="Dispose"/> deregisters it and fails a
/// pending await with <see cref="ObjectDisposedException"/>. A handle (or <see cref="Socket"/>) closed
/// while registered is noticed by the loop within a quarter of a second: its pending awaits fail with
/// <see cref="ObjectDisposedException"/>, and no readiness of a descriptor that reuses the number is ever
/// delivered to it. A raw descriptor must be disposed (deregistered) before it is closed, as with
/// <see cref="Registry"/>.</para>
/// </remarks>
public sealed partial class AsyncFd : IDisposable
{
    /// <summary>The readiness bits kept for the read direction (errors count for both).</summary>
    internal const Readiness ReadSide = Readiness.Readable | Readiness.ReadClosed | Readiness.Priority | Readiness.Error;

    /// <summary>The readiness bits kept for the write direction.</summary>
    internal const Readiness WriteSide = Readiness.Writable | Readiness.WriteClosed | Readiness.Error;

    /// <summary>Closed states are final: clearing never forgets them (the peer cannot reopen).</summary>
    private const Readiness Final = Readiness.ReadClosed | Readiness.WriteClosed;

    private const Interest AllInterests = Interest.Readable | Interest.Writable | Interest.Priority;

    private readonly EventLoop _loop;
    private readonly SafeHandle? _handle;
    private readonly bool _oneshot;
    private readonly ReadinessWaiter _reader;
    private readonly ReadinessWaiter _writer;
    private readonly bool _inline;
    private ReadinessWaiter? _both;
    private Readiness _readReady;
    private Readiness _writeReady;
    private ulong _readTick;
    private ulong _writeTick;
    private Interest _armed;
    private string? _closedReason;
    private int _disposed;

    internal AsyncFd(EventLoop loop, SafeHandle? handle, int fd, Interest interest, IoKind kind, bool oneshot, bool inlineContinuations)
    {
        _loop = loop;
        _handle = handle;
        Descriptor = fd;
        Interest = interest;
        Kind = kind;
        _oneshot = oneshot;
        _armed = oneshot ? interest : 0;
        _inline = inlineContinuations;
        _reader = new ReadinessWaiter(this, inlineContinuations);
        _writer = new ReadinessWaiter(this, inlineContinuations);
    }

    /// <summary>The loop this descriptor is registered with.</summary>
    public EventLoop Loop => _loop;

    /// <summary>The descriptor's number (of the handle, when registered through one).</summary>
    public int Descriptor { get; }

    /// <summary>The directions it was registered for.</summary>
    public Interest Interest { get; }

    /// <summary>The lock that guards readiness, ticks and the waiters.</summary>
    internal Lock Gate { get; } = new();

    internal Token Token { get; set; }

    internal int Slot { get; set; }

    internal SafeHandle? Handle => _handle;

    internal bool IsClosed => Volatile.Read(ref _closedReason) is not null;

    /// <summary>
    /// Waits until the descriptor is readable, its read half is closed, or an error is pending; at once
    /// when that is already known.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (<see cref="OperationCanceledException"/>); the registration and any readiness that came meanwhile stay.</param>
    /// <exception cref="ArgumentException">It was not registered for <see cref="Interest.Readable"/>.</exception>
    /// <exception cref="InvalidOperationException">Another await on the read direction is in progress.</exception>
    /// <exception cref="ObjectDisposedException">It, its loop, or its handle is disposed (also as the await's result).</exception>
    public ValueTask<ReadyGuard> ReadableAsync(CancellationToken cancellationToken = default) =>
        WaitAsync(Interest.Readable, Timeout.Infinite, cancellationToken);

    /// <summary>Waits until the descriptor is writable, its write half is closed, or an error is pending. See <see cref="ReadableAsync"/>.</summary>
    /// <exception cref="ArgumentException">It was not registered for <see cref="Interest.Writable"/>.</exception>
    /// <exception cref="InvalidOperationException">Another await on the write direction is in progress.</exception>
    /// <exception cref="ObjectDisposedException">It, its loop, or its handle is disposed.</exception>
    public ValueTask<ReadyGuard> WritableAsync(CancellationToken cancellationToken = default) =>
        WaitAsync(Interest.Writable, Timeout.Infinite, cancellationToken);

    /// <summary>
    /// Waits until any of <paramref name="interest"/> is ready. <see cref="Interest.Readable"/> and
    /// <see cref="Interest.Priority"/> share the reader's slot, <see cref="Interest.Writable"/> is the
    /// writer's, and an interest that spans both directions has a slot of its own.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="interest"/> is empty, unknown, or not part of <see cref="Interest"/>.</exception>
    /// <exception cref="InvalidOperationException">Another await on the same slot is in progress.</exception>
    /// <exception cref="ObjectDisposedException">It, its loop, or its handle is disposed.</exception>
    public ValueTask<ReadyGuard> ReadyAsync(Interest interest, CancellationToken cancellationToken = default) =>
        WaitAsync(interest, Timeout.Infinite, cancellationToken);

    /// <summary>
    /// Deregisters the descriptor (it stays open: the library never closes it) and fails a pending await
    /// with <see cref="ObjectDisposedException"/>. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var wasOpen = Shut("The AsyncFd is disposed.");
        if (wasOpen)
        {
            Deregister();
        }

        _reader.DisposeTimer();
        _writer.DisposeTimer();
        _both?.DisposeTimer();
        _loop.Release(this);
    }

    /// <summary>The readiness bits an await for <paramref name="interest"/> completes on.</summary>
    internal static Readiness Mask(Interest interest)
    {
        var mask = Readiness.Error;
        if ((interest & Interest.Readable) != 0)
        {
            mask |= Readiness.Readable | Readiness.ReadClosed;
        }

        if ((interest & Interest.Writable) != 0)
        {
            mask |= Readiness.Writable | Readiness.WriteClosed;
        }

        if ((interest & Interest.Priority) != 0)
        {
            mask |= Readiness.Priority | Readiness.ReadClosed;
        }

        return mask;
    }

    internal ValueTask<ReadyGuard> WaitAsync(Interest interest, int timeout, CancellationToken cancellationToken)
    {
        if (interest == 0 || (interest & ~AllInterests) != 0 || (interest & ~Interest) != 0)
        {
            throw new ArgumentException($"The interest must be a non-empty part of what the descriptor was registered for ({Interest}); got {interest}.", nameof(interest));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            ThrowIfClosed();
            return ValueTask.FromCanceled<ReadyGuard>(cancellationToken);
        }

        var waiter = WaiterFor(interest);
        var mask = Mask(interest);
        short version;
        bool rearmed = true;
        lock (Gate)
        {
            ThrowIfClosed();
            ThrowIfBusy(waiter, interest);

            var ready = ReadyLocked(mask);
            if (ready != 0)
            {
                return new ValueTask<ReadyGuard>(new ReadyGuard(this, ready, interest, _readTick, _writeTick));
            }

            version = waiter.StartLocked(interest, timeout, cancellationToken);
            rearmed = RearmLocked();
        }

        if (!rearmed)
        {
            FailPending();
        }
        else
        {
            waiter.Arm(timeout, cancellationToken);
        }

        return new ValueTask<ReadyGuard>(waiter, version);
    }

    /// <summary>The loop thread delivers one event for this descriptor.</summary>
    internal void OnEvent(Readiness readiness)
    {
        bool reader, writer, both, rearmed = true;
        CancellationTokenRegistration r1, r2, r3;
        ReadyGuard g1, g2, g3;
        lock (Gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            var read = readiness & ReadSide;
            if (read != 0)
            {
                _readReady |= read;
                _readTick++;
            }

            var write = readiness & WriteSide;
            if (write != 0)
            {
                _writeReady |= write;
                _writeTick++;
            }

            if (_oneshot)
            {
                _armed = 0; // the kernel disarmed the whole registration when it reported it
                rearmed = RearmLocked();
            }

            reader = TryTakeLocked(_reader, out r1, out g1);
            writer = TryTakeLocked(_writer, out r2, out g2);
            both = TryTakeLocked(_both, out r3, out g3);
        }

        if (reader)
        {
            _reader.Complete(r1, g1);
        }

        if (writer)
        {
            _writer.Complete(r2, g2);
        }

        if (both)
        {
            _both!.Complete(r3, g3);
        }

        if (!rearmed)
        {
            FailPending();
        }
    }

    /// <summary><see cref="ReadyGuard.ClearReady"/>: forgets what the guard saw, direction by direction, unless the tick moved on.</summary>
    internal void Clear(Readiness seen, Interest interest, ulong readTick, ulong writeTick)
    {
        var forget = seen & ~Final;
        var rearmed = true;
        lock (Gate)
        {
            if (_closedReason is not null)
            {
                return;
            }

            if ((interest & (Interest.Readable | Interest.Priority)) != 0 && _readTick == readTick)
            {
                _readReady &= ~(forget & ReadSide);
            }

            if ((interest & Interest.Writable) != 0 && _writeTick == writeTick)
            {
                _writeReady &= ~(forget & WriteSide);
            }

            rearmed = RearmLocked();
        }

        if (!rearmed)
        {
            FailPending();
        }
    }

    /// <summary>The tick of a direction, read before a system call so that its EAGAIN can clear what it saw.</summary>
    internal ulong ReadTick => Volatile.Read(ref _readTick);

    /// <inheritdoc cref="ReadTick"/>
    internal ulong WriteTick => Volatile.Read(ref _writeTick);

    /// <summary>A read or write returned EAGAIN: forget the direction's readiness unless an event came since <paramref name="tick"/>.</summary>
    internal void ClearAfterWouldBlock(bool read, ulong tick)
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

    /// <summary>
    /// The loop's periodic check: a handle closed, or a raw descriptor no longer open, while an await is
    /// pending. The kernel forgets a closed descriptor silently, so without this the await would never end.
    /// </summary>
    internal void CheckClosedBehind()
    {
        if (IsClosed || !(_reader.IsPending || _writer.IsPending || (_both?.IsPending ?? false)))
        {
            return;
        }

        var closed = _handle is not null ? _handle.IsClosed : !Libc.IsOpen(Descriptor);
        if (closed)
        {
            Shut($"Descriptor {Descriptor} was closed while it was registered with the event loop; dispose the AsyncFd before closing its descriptor.");
        }
    }

    /// <summary>The loop is disposed: fail every pending await; the kernel queue goes with the loop.</summary>
    internal void ShutByLoop() => Shut("The EventLoop is disposed.");

    /// <summary>Marks the descriptor closed and fails every pending await. Returns false when it was already closed.</summary>
    private bool Shut(string reason)
    {
        bool first;
        lock (Gate)
        {
            first = _closedReason is null;
            if (first)
            {
                Volatile.Write(ref _closedReason, reason);
            }
        }

        FailPending();
        return first;
    }

    /// <summary>Fails every pending await with the reason the descriptor is closed.</summary>
    private void FailPending()
    {
        bool reader, writer, both;
        CancellationTokenRegistration r1, r2, r3;
        lock (Gate)
        {
            reader = TryTakeAnyLocked(_reader, out r1);
            writer = TryTakeAnyLocked(_writer, out r2);
            both = TryTakeAnyLocked(_both, out r3);
        }

        if (reader)
        {
            _reader.Fail(r1, ClosedException());
        }

        if (writer)
        {
            _writer.Fail(r2, ClosedException());
        }

        if (both)
        {
            _both!.Fail(r3, ClosedException());
        }
    }

    private void Deregister()
    {
        try
        {
            if (_handle is not null)
            {
                _loop.Registry.Deregister(_handle);
            }
            else
            {
                _loop.Registry.Deregister(Descriptor);
            }
        }
        catch (ObjectDisposedException)
        {
            // the handle was closed (closing deregistered it) or the loop is gone with its kernel queue
        }
        catch (EventQueueException)
        {
            // the kernel had already forgotten it: it was closed behind the library
        }
    }

    private ReadinessWaiter WaiterFor(Interest interest)
    {
        if ((interest & Interest.Writable) == 0)
        {
            return _reader;
        }

        if (interest == Interest.Writable)
        {
            return _writer;
        }

        if (_both is null)
        {
            Interlocked.CompareExchange(ref _both, new ReadinessWaiter(this, _inline), null);
        }

        return _both;
    }

    private Readiness ReadyLocked(Readiness mask) => (_readReady & mask & ReadSide) | (_writeReady & mask & WriteSide);

    private bool TryTakeLocked(ReadinessWaiter? waiter, out CancellationTokenRegistration registration, out ReadyGuard guard)
    {
        if (waiter is not null && waiter.IsPending)
        {
            var ready = ReadyLocked(Mask(waiter.Interest));
            if (ready != 0)
            {
                guard = new ReadyGuard(this, ready, waiter.Interest, _readTick, _writeTick);
                registration = waiter.TakeLocked();
                return true;
            }
        }

        registration = default;
        guard = default;
        return false;
    }

    private static bool TryTakeAnyLocked(ReadinessWaiter? waiter, out CancellationTokenRegistration registration)
    {
        if (waiter is not null && waiter.IsPending)
        {
            registration = waiter.TakeLocked();
            return true;
        }

        registration = default;
        return false;
    }

    /// <summary>
    /// Level + oneshot (poll(2)): arms the registration for every direction not known ready, so that the
    /// kernel reports the next change of each (as an edge would) and stays quiet about what is already
    /// known. Nothing for an edge registration, whose kernel reports every change itself. Returns false,
    /// having marked the descriptor closed, when the kernel no longer has it.
    /// </summary>
    private bool RearmLocked()
    {
        if (!_oneshot)
        {
            return true;
        }

        Interest needed = 0;
        if ((Interest & Interest.Readable) != 0 && (_readReady & (Readiness.Readable | Readiness.ReadClosed | Readiness.Error)) == 0)
        {
            needed |= Interest.Readable;
        }

        if ((Interest & Interest.Priority) != 0 && (_readReady & (Readiness.Priority | Readiness.ReadClosed | Readiness.Error)) == 0)
        {
            needed |= Interest.Priority;
        }

        if ((Interest & Interest.Writable) != 0 && (_writeReady & (Readiness.Writable | Readiness.WriteClosed | Readiness.Error)) == 0)
        {
            needed |= Interest.Writable;
        }

        if (needed == 0 || (needed & ~_armed) == 0)
        {
            return true;
        }

        try
        {
            if (_handle is not null)
            {
                _loop.Registry.Reregister(_handle, Token, needed, PollMode.Oneshot);
            }
            else
            {
                _loop.Registry.Reregister(Descriptor, Token, needed, PollMode.Oneshot);
            }

            _armed = needed;
            return true;
        }
        catch (Exception e) when (e is EventQueueException or ObjectDisposedException)
        {
            Volatile.Write(ref _closedReason, $"Descriptor {Descriptor} can no longer be watched ({e.Message}); it was closed while registered, or its loop is disposed.");
            return false;
        }
    }

    /// <summary>One await per direction: a second one would reset the first one's pending result.</summary>
    private void ThrowIfBusy(ReadinessWaiter waiter, Interest interest)
    {
        if (waiter.IsBusy)
        {
            throw new InvalidOperationException($"Another await for {interest} on descriptor {Descriptor} is in progress; one reader and one writer may await at a time.");
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closedReason) is not null)
        {
            throw ClosedException();
        }
    }

    private ObjectDisposedException ClosedException() => new(nameof(AsyncFd), _closedReason);

    /// <summary>How reads and writes reach the descriptor.</summary>
    internal enum IoKind
    {
        /// <summary>Not known yet: try recv/send, and fall back to read/write for good on ENOTSOCK.</summary>
        Unknown,

        /// <summary>A socket: recv/send with MSG_DONTWAIT and MSG_NOSIGNAL.</summary>
        Socket,

        /// <summary>Anything else (pipe, tty, eventfd…): read/write on a non-blocking descriptor.</summary>
        File,
    }

    internal IoKind Kind { get; private set; }
}
