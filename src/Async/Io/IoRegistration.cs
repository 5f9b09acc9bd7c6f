using System;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// One descriptor's registration with a loop, as tokio's <c>Registration</c>: its readiness cell, its
/// system calls, and the loops that join them — try the call first, await readiness only when it would
/// block, clear what the EAGAIN proved stale (the tick rule) and try again. Every loop here is a pooled
/// state machine, so an operation that has to wait allocates nothing in steady state.
/// </summary>
internal sealed class IoRegistration
{
    private readonly bool _errorsOnlyInEvents;

    public IoRegistration(DescriptorIo io, Interest interest, bool inlineContinuations, bool errorsOnlyInEvents = false)
    {
        _errorsOnlyInEvents = errorsOnlyInEvents;
        Io = io;
        Interest = interest;
        Cell = new ReadinessCell(interest, inlineContinuations);
    }

    public ReadinessCell Cell { get; }

    public DescriptorIo Io { get; }

    public Interest Interest { get; }

    /// <summary>The token the loop registered it under (slot and generation).</summary>
    public Token Token { get; set; }

    /// <summary>Its slot in the loop's table; -1 once released.</summary>
    public int Slot { get; set; } = -1;

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (buffer.IsEmpty)
        {
            return ZeroByteReadAsync(cancellationToken);
        }

        var n = TryReadNow(buffer.Span);
        return n >= 0 ? new ValueTask<int>(n) : ReadSlowAsync(buffer, cancellationToken);
    }

    public ValueTask<int> WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (buffer.IsEmpty)
        {
            return new ValueTask<int>(0);
        }

        var n = TryWriteNow(buffer.Span);
        return n >= 0 ? new ValueTask<int>(n) : WriteSlowAsync(buffer, cancellationToken);
    }

    public ValueTask WriteAllAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        while (!buffer.IsEmpty)
        {
            var n = TryWriteNow(buffer.Span);
            if (n < 0)
            {
                return WriteAllSlowAsync(buffer, cancellationToken);
            }

            buffer = buffer[n..];
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>tokio's <c>async_io</c>: the operation once now if the readiness is known, else after each new readiness, until it does not block.</summary>
    public ValueTask<TResult> IoAsync<TState, TResult>(Interest interest, TState state, NonBlockingOperation<TState, TResult> operation, CancellationToken cancellationToken)
    {
#pragma warning disable CA2012 // each ValueTask is consumed once: by Result when it completed at once, else by the await in IoSlowAsync
        var ready = Cell.WaitAsync(interest, cancellationToken);
        if (ready.IsCompletedSuccessfully)
        {
            if (ready.Result.TryIo(state, operation, out var result))
            {
                return new ValueTask<TResult>(result);
            }

            ready = Cell.WaitAsync(interest, cancellationToken);
        }
#pragma warning restore CA2012

        return IoSlowAsync(ready, interest, state, operation, cancellationToken);
    }

    /// <summary>One read now: the bytes read, or -1 when it would block (and the readiness it saw is cleared).</summary>
    public int TryReadNow(Span<byte> buffer)
    {
        var tick = Cell.ReadTick;
        var n = Io.TryRead(buffer);
        if (n < 0)
        {
            Cell.ClearAfterWouldBlock(read: true, tick);
        }
        else if (n == 0 && _errorsOnlyInEvents && !buffer.IsEmpty && Cell.ErrorReported && Io.IsStreamSocket)
        {
            // The queue took the socket's error (EventLoop.ErrorsOnlyInEvents) and its event said so: the end
            // of this stream is a reset, as recv reports it elsewhere, not a clean end.
            throw new SocketException((int)SocketError.ConnectionReset);
        }

        return n;
    }

    /// <summary>One write now: the bytes written, or -1 when it would block (and the readiness it saw is cleared).</summary>
    public int TryWriteNow(ReadOnlySpan<byte> buffer)
    {
        var tick = Cell.WriteTick;
        var n = Io.TryWrite(buffer);
        if (n < 0)
        {
            Cell.ClearAfterWouldBlock(read: false, tick);
        }

        return n;
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

            ready = Cell.WaitAsync(interest, cancellationToken);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ZeroByteReadAsync(CancellationToken cancellationToken)
    {
        await Cell.WaitAsync(Interest.Readable, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadSlowAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var guard = await Cell.WaitAsync(Interest.Readable, cancellationToken).ConfigureAwait(false);
            var n = Io.TryRead(buffer.Span);
            if (n >= 0)
            {
                return n;
            }

            guard.ClearReady();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WriteSlowAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var guard = await Cell.WaitAsync(Interest.Writable, cancellationToken).ConfigureAwait(false);
            var n = Io.TryWrite(buffer.Span);
            if (n >= 0)
            {
                return n;
            }

            guard.ClearReady();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAllSlowAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var guard = await Cell.WaitAsync(Interest.Writable, cancellationToken).ConfigureAwait(false);
            while (!buffer.IsEmpty)
            {
                var n = Io.TryWrite(buffer.Span);
                if (n < 0)
                {
                    guard.ClearReady();
                    break;
                }

                buffer = buffer[n..];
            }
        }
    }
}
