using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// The <see cref="Stream"/> of <see cref="AsyncFd.AsStream"/>: every read and write goes to the AsyncFd,
/// which tries the system call first and waits on the loop only on EAGAIN. A timeout is a cancellation
/// composed around the operation (<see cref="StreamTimeout"/>); the readiness wait knows only cancellation.
/// </summary>
internal sealed class AsyncFdStream : Stream
{
    private readonly AsyncFd _fd;
    private readonly IoRegistration _io;
    private readonly StreamTimeout _readTimeout = new();
    private readonly StreamTimeout _writeTimeout = new();
    private bool _disposed;

    public AsyncFdStream(AsyncFd fd)
    {
        _fd = fd;
        _io = fd.Registration;
    }

    public override bool CanRead => !_disposed && (_fd.Interest & Interest.Readable) != 0;

    public override bool CanWrite => !_disposed && (_fd.Interest & Interest.Writable) != 0;

    public override bool CanSeek => false;

    public override bool CanTimeout => true;

    /// <summary>Milliseconds one read may take; <see cref="Timeout.Infinite"/> (the default) for no limit.</summary>
    public override int ReadTimeout
    {
        get => _readTimeout.Milliseconds;
        set => _readTimeout.Set(value);
    }

    /// <summary>Milliseconds one write may take; <see cref="Timeout.Infinite"/> (the default) for no limit.</summary>
    public override int WriteTimeout
    {
        get => _writeTimeout.Milliseconds;
        set => _writeTimeout.Set(value);
    }

    public override long Length => throw new NotSupportedException("A descriptor stream has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A descriptor stream cannot seek.");
        set => throw new NotSupportedException("A descriptor stream cannot seek.");
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _fd.ValidateIo(Interest.Readable);
        if (_readTimeout.IsInfinite || buffer.IsEmpty || cancellationToken.IsCancellationRequested)
        {
            return _io.ReadAsync(buffer, cancellationToken);
        }

        var n = _io.TryReadNow(buffer.Span); // data at hand needs no timer
        return n >= 0 ? new ValueTask<int>(n) : TimedReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _fd.ValidateIo(Interest.Writable);
        return _writeTimeout.IsInfinite || buffer.IsEmpty || cancellationToken.IsCancellationRequested
            ? _io.WriteAllAsync(buffer, cancellationToken)
            : TimedWriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            _fd.ValidateIo(Interest.Readable);
            var n = _io.TryReadNow(buffer);
            if (n >= 0)
            {
                return n;
            }

            Block(Interest.Readable, _readTimeout, "read");
        }
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty)
        {
            _fd.ValidateIo(Interest.Writable);
            var n = _io.TryWriteNow(buffer);
            if (n >= 0)
            {
                buffer = buffer[n..];
                continue;
            }

            Block(Interest.Writable, _writeTimeout, "write");
        }
    }

    public override void Flush()
    {
        // Nothing is buffered: every write reaches the descriptor before it returns.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A descriptor stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A descriptor stream has no length.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _readTimeout.Dispose();
            _writeTimeout.Dispose();
        }

        _disposed = true; // the AsyncFd and its descriptor stay: they belong to the caller
        base.Dispose(disposing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> TimedReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var token = _readTimeout.Start(cancellationToken);
        try
        {
            return await _io.ReadAsync(buffer, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (e.CancellationToken == token)
        {
            throw _readTimeout.Translate(e, "read");
        }
        finally
        {
            _readTimeout.Stop();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask TimedWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        var token = _writeTimeout.Start(cancellationToken);
        try
        {
            await _io.WriteAllAsync(buffer, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (e.CancellationToken == token)
        {
            throw _writeTimeout.Translate(e, "write");
        }
        finally
        {
            _writeTimeout.Stop();
        }
    }

    /// <summary>Blocks the calling thread until the direction is ready, or the timeout; never on the loop thread, which would wait for itself.</summary>
    private void Block(Interest direction, StreamTimeout timeout, string operation)
    {
        if (_fd.Loop.IsLoopThread)
        {
            throw new InvalidOperationException($"A blocking {operation} on the event loop's own thread would wait for itself; use ReadAsync/WriteAsync there.");
        }

        if (timeout.IsInfinite)
        {
            _io.Cell.WaitAsync(direction, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return;
        }

        var token = timeout.Start(CancellationToken.None);
        try
        {
            _io.Cell.WaitAsync(direction, token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException e) when (e.CancellationToken == token)
        {
            throw timeout.Translate(e, operation);
        }
        finally
        {
            timeout.Stop();
        }
    }
}
