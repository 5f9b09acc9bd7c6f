using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// The <see cref="Stream"/> of <see cref="AsyncFd.AsStream"/>: every read and write goes to the AsyncFd,
/// which tries the system call first and waits on the loop only on EAGAIN. Timeouts bound each wait.
/// </summary>
internal sealed class AsyncFdStream : Stream
{
    private readonly AsyncFd _fd;
    private int _readTimeout = Timeout.Infinite;
    private int _writeTimeout = Timeout.Infinite;
    private bool _disposed;

    public AsyncFdStream(AsyncFd fd) => _fd = fd;

    public override bool CanRead => !_disposed && (_fd.Interest & Interest.Readable) != 0;

    public override bool CanWrite => !_disposed && (_fd.Interest & Interest.Writable) != 0;

    public override bool CanSeek => false;

    public override bool CanTimeout => true;

    /// <summary>Milliseconds one read may wait for readiness; <see cref="Timeout.Infinite"/> (the default) for no limit.</summary>
    public override int ReadTimeout
    {
        get => _readTimeout;
        set => _readTimeout = CheckTimeout(value);
    }

    /// <summary>Milliseconds one write may wait for writability; <see cref="Timeout.Infinite"/> (the default) for no limit.</summary>
    public override int WriteTimeout
    {
        get => _writeTimeout;
        set => _writeTimeout = CheckTimeout(value);
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
        return _fd.ReadCoreAsync(buffer, _readTimeout, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _fd.WriteAllCoreAsync(buffer, _writeTimeout, cancellationToken);
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
            var tick = _fd.ReadTick;
            var n = _fd.TryRead(buffer);
            if (n >= 0)
            {
                return n;
            }

            _fd.ClearAfterWouldBlock(read: true, tick);
            Block(Interest.Readable, _readTimeout);
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
            var tick = _fd.WriteTick;
            var n = _fd.TryWrite(buffer);
            if (n >= 0)
            {
                buffer = buffer[n..];
                continue;
            }

            _fd.ClearAfterWouldBlock(read: false, tick);
            Block(Interest.Writable, _writeTimeout);
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
        _disposed = true; // the AsyncFd and its descriptor stay: they belong to the caller
        base.Dispose(disposing);
    }

    private static int CheckTimeout(int value)
    {
        if (value <= 0 && value != Timeout.Infinite)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A timeout is a positive number of milliseconds, or Timeout.Infinite (-1).");
        }

        return value;
    }

    /// <summary>Blocks the calling thread until the direction is ready; never on the loop thread, which would wait for itself.</summary>
    private void Block(Interest direction, int timeout)
    {
        if (_fd.Loop.IsLoopThread)
        {
            throw new InvalidOperationException("A blocking read or write on the event loop's own thread would wait for itself; use ReadAsync/WriteAsync there.");
        }

        _fd.WaitAsync(direction, timeout, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }
}
