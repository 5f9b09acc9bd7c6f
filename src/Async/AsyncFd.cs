using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// One descriptor registered with an <see cref="EventLoop"/>, owned by it: await its readiness
/// (<see cref="ReadableAsync"/>, <see cref="WritableAsync"/>, <see cref="ReadyAsync"/>), read and write it
/// (<see cref="ReadAsync"/>, <see cref="WriteAsync"/>, <see cref="AsStream"/>), or run your own
/// non-blocking call when it is ready (<see cref="IoAsync{TState, TResult}"/>). Create one with
/// <c>loop.Register(…)</c>.
/// </summary>
/// <remarks>
/// <para>Readiness is kept per direction until an operation proves it stale (EAGAIN, or
/// <see cref="ReadyGuard.ClearReady()"/>): an await completes at once while the direction is known ready, and
/// otherwise when the loop hears of it from the kernel. Any number of awaits may wait at once on either
/// direction; an event completes, in the order they began, every await it satisfies, and each is
/// cancellable on its own. An await that suspends allocates nothing in steady state.</para>
/// <para>It owns what it was given, as <see cref="FileStream"/> owns its handle: <see cref="Dispose()"/>
/// deregisters, fails pending awaits with <see cref="ObjectDisposedException"/>, then closes the descriptor
/// (disposes the handle or <see cref="Socket"/>). Registered with <c>leaveOpen: true</c> it closes nothing,
/// and the caller must dispose the AsyncFd before closing the descriptor; if the caller closes it first
/// anyway, a pending await still ends with <see cref="ObjectDisposedException"/> (the loop looks every
/// quarter of a second while such awaits exist) and never sees another descriptor's readiness. The one
/// exception is a raw number registered with <c>leaveOpen</c> and reused by a new descriptor before the
/// loop looks: a number cannot be told from its successor, so close such a descriptor only after disposing
/// its AsyncFd.</para>
/// </remarks>
/// <example>
/// <code>
/// await using var loop = new EventLoop();
/// using var fd = loop.Register(socket, Interest.Readable | Interest.Writable); // fd now owns socket
/// var buffer = new byte[4096];
/// int n;
/// while ((n = await fd.ReadAsync(buffer)) &gt; 0)
/// {
///     await fd.WriteAllAsync(buffer.AsMemory(0, n));
/// }
/// </code>
/// </example>
#pragma warning disable CA1063 // not derivable outside the library (internal constructor); AsyncFd<T> hooks OnReleased instead of Dispose(bool)
public class AsyncFd : IDisposable
#pragma warning restore CA1063
{
    private readonly IoRegistration _registration;
    private int _disposed;

    internal AsyncFd(EventLoop loop, IoRegistration registration)
    {
        Loop = loop;
        _registration = registration;
    }

    /// <summary>The loop this descriptor is registered with.</summary>
    public EventLoop Loop { get; }

    /// <summary>The descriptor's number (of the handle, when registered through one).</summary>
    public int Descriptor => _registration.Io.Descriptor;

    /// <summary>The directions it was registered for.</summary>
    public Interest Interest => _registration.Interest;

    /// <summary>True when <see cref="Dispose()"/> closes the descriptor (false when registered with <c>leaveOpen: true</c>).</summary>
    public bool OwnsDescriptor => _registration.Io.IsOwned;

    internal IoRegistration Registration => _registration;

    /// <summary>
    /// Waits until the descriptor is readable, its read half is closed, or an error is pending; at once
    /// when that is already known.
    /// </summary>
    /// <param name="cancellationToken">Cancels this await alone (<see cref="OperationCanceledException"/>); the registration, any readiness that came meanwhile and the other awaits stay.</param>
    /// <exception cref="ArgumentException">It was not registered for <see cref="Interest.Readable"/>.</exception>
    /// <exception cref="ObjectDisposedException">It or its loop is disposed (also as the await's result, and when a <c>leaveOpen</c> descriptor is closed under the await: see the remarks). A handle the AsyncFd owns and that is disposed behind its back is not watched: dispose the AsyncFd instead.</exception>
    public ValueTask<ReadyGuard> ReadableAsync(CancellationToken cancellationToken = default) => ReadyAsync(Interest.Readable, cancellationToken);

    /// <summary>Waits until the descriptor is writable, its write half is closed, or an error is pending. See <see cref="ReadableAsync"/>.</summary>
    /// <exception cref="ArgumentException">It was not registered for <see cref="Interest.Writable"/>.</exception>
    /// <exception cref="ObjectDisposedException">It or its loop is disposed (also as the await's result). See <see cref="ReadableAsync"/>.</exception>
    public ValueTask<ReadyGuard> WritableAsync(CancellationToken cancellationToken = default) => ReadyAsync(Interest.Writable, cancellationToken);

    /// <summary>Waits until any of <paramref name="interest"/> is ready. See <see cref="ReadableAsync"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="interest"/> is empty, unknown, or not part of <see cref="Interest"/>.</exception>
    /// <exception cref="ObjectDisposedException">It or its loop is disposed (also as the await's result). See <see cref="ReadableAsync"/>.</exception>
    public ValueTask<ReadyGuard> ReadyAsync(Interest interest, CancellationToken cancellationToken = default)
    {
        RequireRegistered(interest);
        return _registration.Cell.WaitAsync(interest, cancellationToken);
    }

    /// <summary>
    /// Reads what the descriptor holds, up to <c>buffer.Length</c> bytes: the system call is tried first,
    /// and only when it would block (EAGAIN) does the read wait for readiness and try again. Sockets use
    /// recv; any other descriptor read(2).
    /// </summary>
    /// <param name="buffer">Where to put the bytes. An empty buffer waits until the descriptor is readable and returns 0 (a zero-byte read, as .NET's sockets do).</param>
    /// <param name="cancellationToken">Cancels the wait; nothing is read then.</param>
    /// <returns>The bytes read; 0 at the end of the stream (peer shut down, pipe writers gone).</returns>
    /// <exception cref="NotSupportedException">It was not registered for <see cref="Interest.Readable"/>.</exception>
    /// <exception cref="ObjectDisposedException">It, its loop, or its handle is disposed.</exception>
    /// <exception cref="SocketException">recv failed (the connection was reset…).</exception>
    /// <exception cref="IOException">read failed; <see cref="Exception.HResult"/> is the errno.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValidateIo(Interest.Readable);
        return _registration.ReadAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// Writes as much of <paramref name="buffer"/> as the descriptor takes now, waiting for writability
    /// only when it takes nothing (EAGAIN). Sockets use send without SIGPIPE; any other descriptor write(2).
    /// </summary>
    /// <returns>The bytes written: at least 1 for a non-empty buffer (see <see cref="WriteAllAsync"/> to write it all).</returns>
    /// <exception cref="NotSupportedException">It was not registered for <see cref="Interest.Writable"/>.</exception>
    /// <exception cref="ObjectDisposedException">It, its loop, or its handle is disposed.</exception>
    /// <exception cref="SocketException">send failed (<see cref="SocketError.Shutdown"/> for EPIPE…).</exception>
    /// <exception cref="IOException">write failed (EPIPE when the pipe has no reader…); <see cref="Exception.HResult"/> is the errno.</exception>
    public ValueTask<int> WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValidateIo(Interest.Writable);
        return _registration.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>Writes all of <paramref name="buffer"/>, waiting for writability as often as needed. See <see cref="WriteAsync"/>.</summary>
    /// <remarks>If it is cancelled or fails part way, an unknown prefix of the buffer has been written.</remarks>
    public ValueTask WriteAllAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValidateIo(Interest.Writable);
        return _registration.WriteAllAsync(buffer, cancellationToken);
    }

    /// <summary>
    /// Runs a non-blocking operation of your own once the descriptor is ready for <paramref name="interest"/>,
    /// and again after each new readiness for as long as it would block: tokio's <c>async_io</c>. For what
    /// <see cref="ReadAsync"/> and <see cref="WriteAsync"/> do not cover (recvfrom, accept, ioctl, a
    /// device's own calls).
    /// </summary>
    /// <param name="interest">What the operation needs: a non-empty part of what the descriptor was registered for.</param>
    /// <param name="state">Passed to <paramref name="operation"/>.</param>
    /// <param name="operation">One attempt; false when it would block. Use a static lambda.</param>
    /// <param name="cancellationToken">Cancels the wait between attempts; the registration stays.</param>
    /// <returns>The result of the first attempt that did not block. Completes at once, allocating nothing, when the readiness is known and the attempt succeeds.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="operation"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="interest"/> is empty or not part of the registration.</exception>
    /// <exception cref="ObjectDisposedException">The descriptor or its loop is disposed (also when it happens while waiting).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <typeparam name="TState">The type of <paramref name="state"/>.</typeparam>
    /// <typeparam name="TResult">The type of the result.</typeparam>
    public ValueTask<TResult> IoAsync<TState, TResult>(Interest interest, TState state, NonBlockingOperation<TState, TResult> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        RequireRegistered(interest);
        return _registration.IoAsync(interest, state, operation, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> once if the descriptor is known ready for <paramref name="interest"/>,
    /// without waiting: tokio's <c>AsyncFd::try_io</c>. When no readiness is known the operation is not run and
    /// the call returns false; when it runs and would block, the readiness it was run on is cleared by the
    /// tick rule (<see cref="ReadyGuard.TryIo{TState, TResult}"/>).
    /// </summary>
    /// <returns>True with the operation's result; false when not known ready or when it would block.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="operation"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="interest"/> is empty or not part of the registration.</exception>
    /// <exception cref="ObjectDisposedException">It or its loop is disposed.</exception>
    /// <typeparam name="TState">The type of <paramref name="state"/>.</typeparam>
    /// <typeparam name="TResult">The type of the result.</typeparam>
    public bool TryIo<TState, TResult>(Interest interest, TState state, NonBlockingOperation<TState, TResult> operation, out TResult result)
    {
        ArgumentNullException.ThrowIfNull(operation);
        RequireRegistered(interest);
        if (!_registration.Cell.TryGetReady(interest, out var guard))
        {
            result = default!;
            return false;
        }

        return guard.TryIo(state, operation, out result);
    }

    /// <summary>
    /// A <see cref="Stream"/> over the descriptor, for <c>StreamReader</c>, <c>PipeReader.Create</c>,
    /// <c>CopyToAsync</c>…: its asynchronous reads and writes honour the <see cref="CancellationToken"/>,
    /// and every read and write honours <see cref="Stream.ReadTimeout"/>/<see cref="Stream.WriteTimeout"/>
    /// (the longest one read or write may wait; <see cref="TimeoutException"/> then).
    /// </summary>
    /// <remarks>Disposing the stream does not dispose this AsyncFd, nor close the descriptor.</remarks>
    public Stream AsStream() => new AsyncFdStream(this);

    /// <summary>
    /// Deregisters the descriptor, fails every pending await with <see cref="ObjectDisposedException"/>,
    /// then closes the descriptor unless it was registered with <c>leaveOpen: true</c>. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        Release(closeOwned: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Deregisters and fails pending awaits; closes what it owns when <paramref name="closeOwned"/> (else the caller takes it back).</summary>
    /// <returns>False when it was already disposed.</returns>
    internal bool Release(bool closeOwned)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        // Deregister first, while the descriptor is surely open; then fail the awaits; then close.
        Loop.Release(_registration, closing: closeOwned);
        _registration.Cell.Shut("The AsyncFd is disposed.");
        if (closeOwned)
        {
            _registration.Io.Close();
        }

        OnReleased();
        return true;
    }

    /// <summary>Called once, when the registration is released (disposed or given back).</summary>
    private protected virtual void OnReleased()
    {
    }

    /// <summary>The checks every read or write makes first: not closed, registered for the direction.</summary>
    internal void ValidateIo(Interest direction)
    {
        _registration.Cell.ThrowIfClosed();
        if ((Interest & direction) == 0)
        {
            throw new NotSupportedException($"Descriptor {Descriptor} was registered for {Interest}, not {direction}.");
        }
    }

    private void RequireRegistered(Interest interest)
    {
        if (interest == 0 || (interest & ~InterestRules.All) != 0 || (interest & ~Interest) != 0)
        {
            throw new ArgumentException($"The interest must be a non-empty part of what the descriptor was registered for ({Interest}); got {interest}.", nameof(interest));
        }
    }
}
