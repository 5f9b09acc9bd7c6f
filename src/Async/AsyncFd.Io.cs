using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Net;
using EporeX.Unix;

namespace EporeX;

public sealed partial class AsyncFd
{
    /// <summary>
    /// Reads what the descriptor holds, up to <c>buffer.Length</c> bytes: the system call is tried first,
    /// and only when it would block (EAGAIN) does the read wait for readiness and try again. Sockets use
    /// recv; any other descriptor read(2).
    /// </summary>
    /// <param name="buffer">Where to put the bytes. An empty buffer waits until the descriptor is readable and returns 0 (a zero-byte read, as .NET's sockets do).</param>
    /// <param name="cancellationToken">Cancels the wait; nothing is read then.</param>
    /// <returns>The bytes read; 0 at the end of the stream (peer shut down, pipe writers gone).</returns>
    /// <exception cref="NotSupportedException">It was not registered for <see cref="Interest.Readable"/>.</exception>
    /// <exception cref="InvalidOperationException">Another read or read-readiness await is in progress.</exception>
    /// <exception cref="ObjectDisposedException">It, its loop, or its handle is disposed.</exception>
    /// <exception cref="SocketException">recv failed (the connection was reset…).</exception>
    /// <exception cref="IOException">read failed; <see cref="Exception.HResult"/> is the errno.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, Timeout.Infinite, cancellationToken);

    /// <summary>
    /// Writes as much of <paramref name="buffer"/> as the descriptor takes now, waiting for writability
    /// only when it takes nothing (EAGAIN). Sockets use send without SIGPIPE; any other descriptor write(2).
    /// </summary>
    /// <returns>The bytes written: at least 1 for a non-empty buffer (see <see cref="WriteAllAsync"/> to write it all).</returns>
    /// <exception cref="NotSupportedException">It was not registered for <see cref="Interest.Writable"/>.</exception>
    /// <exception cref="InvalidOperationException">Another write or write-readiness await is in progress.</exception>
    /// <exception cref="ObjectDisposedException">It, its loop, or its handle is disposed.</exception>
    /// <exception cref="SocketException">send failed (<see cref="SocketError.Shutdown"/> for EPIPE…).</exception>
    /// <exception cref="IOException">write failed (EPIPE when the pipe has no reader…); <see cref="Exception.HResult"/> is the errno.</exception>
    public ValueTask<int> WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(buffer, Timeout.Infinite, cancellationToken);

    /// <summary>Writes all of <paramref name="buffer"/>, waiting for writability as often as needed. See <see cref="WriteAsync"/>.</summary>
    /// <remarks>If it is cancelled or fails part way, an unknown prefix of the buffer has been written.</remarks>
    public ValueTask WriteAllAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteAllCoreAsync(buffer, Timeout.Infinite, cancellationToken);

    /// <summary>
    /// A <see cref="Stream"/> over the descriptor, for <c>StreamReader</c>, <c>PipeReader.Create</c>,
    /// <c>CopyToAsync</c>…: its asynchronous reads and writes honour the <see cref="CancellationToken"/>,
    /// and every read and write honours <see cref="Stream.ReadTimeout"/>/<see cref="Stream.WriteTimeout"/>
    /// (the longest one wait for readiness may take; <see cref="TimeoutException"/> then).
    /// </summary>
    /// <remarks>Disposing the stream does not dispose this AsyncFd, nor close the descriptor.</remarks>
    public Stream AsStream() => new AsyncFdStream(this);

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
    /// <exception cref="InvalidOperationException">Another wait for the same direction is pending.</exception>
    /// <exception cref="ObjectDisposedException">The descriptor or its loop is disposed (also when it happens while waiting).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <typeparam name="TState">The type of <paramref name="state"/>.</typeparam>
    /// <typeparam name="TResult">The type of the result.</typeparam>
    public ValueTask<TResult> IoAsync<TState, TResult>(Interest interest, TState state, NonBlockingOperation<TState, TResult> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
#pragma warning disable CA2012 // each ValueTask is consumed once: by Result when it completed at once, else by the await in IoSlowAsync
        var ready = WaitAsync(interest, Timeout.Infinite, cancellationToken);
        if (ready.IsCompletedSuccessfully)
        {
            if (ready.Result.TryIo(state, operation, out var result))
            {
                return new ValueTask<TResult>(result);
            }

            ready = WaitAsync(interest, Timeout.Infinite, cancellationToken);
        }
#pragma warning restore CA2012

        return IoSlowAsync(ready, interest, state, operation, cancellationToken);
    }

    internal ValueTask<int> ReadCoreAsync(Memory<byte> buffer, int timeout, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        RequireInterest(Interest.Readable);
        ThrowIfBusy(_reader, Interest.Readable);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (buffer.IsEmpty)
        {
            return ZeroByteReadAsync(timeout, cancellationToken);
        }

        var tick = ReadTick;
        var n = TryRead(buffer.Span);
        if (n >= 0)
        {
            return new ValueTask<int>(n);
        }

        ClearAfterWouldBlock(read: true, tick);
        return ReadSlowAsync(buffer, timeout, cancellationToken);
    }

    internal ValueTask<int> WriteCoreAsync(ReadOnlyMemory<byte> buffer, int timeout, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        RequireInterest(Interest.Writable);
        ThrowIfBusy(_writer, Interest.Writable);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (buffer.IsEmpty)
        {
            return new ValueTask<int>(0);
        }

        var tick = WriteTick;
        var n = TryWrite(buffer.Span);
        if (n >= 0)
        {
            return new ValueTask<int>(n);
        }

        ClearAfterWouldBlock(read: false, tick);
        return WriteSlowAsync(buffer, timeout, cancellationToken);
    }

    internal ValueTask WriteAllCoreAsync(ReadOnlyMemory<byte> buffer, int timeout, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        RequireInterest(Interest.Writable);
        ThrowIfBusy(_writer, Interest.Writable);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        while (!buffer.IsEmpty)
        {
            var tick = WriteTick;
            var n = TryWrite(buffer.Span);
            if (n < 0)
            {
                ClearAfterWouldBlock(read: false, tick);
                return WriteAllSlowAsync(buffer, timeout, cancellationToken);
            }

            buffer = buffer[n..];
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>One non-blocking read: the bytes read (0 at the end), or -1 when it would block.</summary>
    internal int TryRead(Span<byte> buffer)
    {
        if (_handle is null)
        {
            return TryRead(Descriptor, buffer);
        }

        // Held across the call only: a concurrent close can never make it read a reused number.
        using var reference = new HandleReference(_handle);
        return TryRead((int)reference.Value, buffer);
    }

    /// <summary>One non-blocking write: the bytes written, or -1 when it would block.</summary>
    internal int TryWrite(ReadOnlySpan<byte> buffer)
    {
        if (_handle is null)
        {
            return TryWrite(Descriptor, buffer);
        }

        using var reference = new HandleReference(_handle);
        return TryWrite((int)reference.Value, buffer);
    }

    /// <summary>The checks every read or write makes first: not closed, registered for the direction.</summary>
    internal void ValidateIo(Interest direction)
    {
        ThrowIfClosed();
        RequireInterest(direction);
    }

    private void RequireInterest(Interest interest)
    {
        if ((Interest & interest) == 0)
        {
            throw new NotSupportedException($"Descriptor {Descriptor} was registered for {Interest}, not {interest}.");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> IoSlowAsync<TState, TResult>(ValueTask<ReadyGuard> ready, Interest interest, TState state, NonBlockingOperation<TState, TResult> operation, CancellationToken cancellationToken)
    {
        while (true)
        {
            var guard = await ready.ConfigureAwait(false);
            if (guard.TryIo(state, operation, out var result))
            {
                return result;
            }

            ready = WaitAsync(interest, Timeout.Infinite, cancellationToken);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ZeroByteReadAsync(int timeout, CancellationToken cancellationToken)
    {
        await WaitAsync(Interest.Readable, timeout, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    // Pooled state machines: a read or write that has to wait allocates nothing in steady state.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadSlowAsync(Memory<byte> buffer, int timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var guard = await WaitAsync(Interest.Readable, timeout, cancellationToken).ConfigureAwait(false);
            var n = TryRead(buffer.Span);
            if (n >= 0)
            {
                return n;
            }

            guard.ClearReady();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WriteSlowAsync(ReadOnlyMemory<byte> buffer, int timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var guard = await WaitAsync(Interest.Writable, timeout, cancellationToken).ConfigureAwait(false);
            var n = TryWrite(buffer.Span);
            if (n >= 0)
            {
                return n;
            }

            guard.ClearReady();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAllSlowAsync(ReadOnlyMemory<byte> buffer, int timeout, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var guard = await WaitAsync(Interest.Writable, timeout, cancellationToken).ConfigureAwait(false);
            while (!buffer.IsEmpty)
            {
                var n = TryWrite(buffer.Span);
                if (n < 0)
                {
                    guard.ClearReady();
                    break;
                }

                buffer = buffer[n..];
            }
        }
    }

    private unsafe int TryRead(int fd, Span<byte> buffer)
    {
        if (Kind != IoKind.File && SettledBySocket(SocketIO.Receive(fd, buffer, out var error), error, out var received))
        {
            return received;
        }

        fixed (byte* p = buffer)
        {
            nint n;
            while ((n = Libc.Read(fd, p, (nuint)buffer.Length)) < 0 && Errno.Last == Errno.EINTR)
            {
            }

            return FileResult(n, "read");
        }
    }

    private unsafe int TryWrite(int fd, ReadOnlySpan<byte> buffer)
    {
        if (Kind != IoKind.File && SettledBySocket(SocketIO.Send(fd, buffer, out var error), error, out var sent))
        {
            return sent;
        }

        fixed (byte* p = buffer)
        {
            nint n;
            while ((n = Libc.Write(fd, p, (nuint)buffer.Length)) < 0 && Errno.Last == Errno.EINTR)
            {
            }

            return FileResult(n, "write");
        }
    }

    /// <summary>
    /// The outcome of a recv/send: true with the byte count, or -1 for would-block; false when the
    /// descriptor turned out not to be a socket (a pipe, tty, eventfd…), which read/write serve from now on.
    /// </summary>
    private bool SettledBySocket(int n, SocketError error, out int result)
    {
        result = n >= 0 ? n : -1;
        if (n >= 0 || error == SocketError.WouldBlock)
        {
            return true;
        }

        if (error != SocketError.NotSocket || Kind == IoKind.Socket)
        {
            throw new SocketException((int)error);
        }

        Kind = IoKind.File;
        return false;
    }

    /// <summary>The outcome of a read/write that EINTR no longer interrupts: the byte count, -1 for EAGAIN, else an error.</summary>
    private int FileResult(nint n, string call)
    {
        if (n >= 0)
        {
            return (int)n;
        }

        var errno = Errno.Last;
        return errno == Errno.EAGAIN ? -1 : throw IoError(call, errno);
    }

    private IOException IoError(string call, int errno) =>
        new($"{call} on descriptor {Descriptor} failed: {Errno.Name(errno)} (errno {errno}).", errno);
}
