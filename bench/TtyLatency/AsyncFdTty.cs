using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Samples.TtyDemo;

/// <summary>
/// The pty's slave end read and written through EporeX: opened non-blocking, registered with an
/// <see cref="EventLoop"/>, and used only through <see cref="AsyncFd.AsStream"/>, with lines read by a
/// <see cref="LineReader"/> (a PipeReader) so that a timeout or a cancellation never loses a byte.
/// </summary>
internal sealed class AsyncFdTty : IAsyncDisposable
{
    private readonly SafeFileHandle _slave;
    private readonly AsyncFd _fd;
    private readonly Stream _stream;
    private readonly LineReader _lines;

    public AsyncFdTty(EventLoop loop, Pty pty)
    {
        _slave = pty.OpenSlave(nonBlocking: true);
        try
        {
            _fd = loop.Register(_slave, Interest.Readable | Interest.Writable);
        }
        catch
        {
            _slave.Dispose();
            throw;
        }

        _stream = _fd.AsStream();
        _lines = new LineReader(_stream);
    }

    public ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => _lines.ReadLineAsync(cancellationToken);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _stream.WriteAsync(data, cancellationToken);

    /// <summary>Write a line, read the echo back, <paramref name="roundTrips"/> times; each read under its own <paramref name="timeout"/>.</summary>
    public async Task<Latency> MeasureAsync(byte[] line, int roundTrips, TimeSpan timeout, string name)
    {
        var latency = new Latency(name, roundTrips);
        var cts = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < roundTrips; i++)
            {
                if (!cts.TryReset())
                {
                    cts.Dispose();
                    cts = new CancellationTokenSource();
                }

                cts.CancelAfter(timeout);
                var start = Stopwatch.GetTimestamp();
                await _stream.WriteAsync(line, cts.Token).ConfigureAwait(false);
                var back = await _lines.ReadLineAsync(cts.Token).ConfigureAwait(false);
                latency.Add(Stopwatch.GetTimestamp() - start);
                if (back is null || back.Length + 1 != line.Length)
                {
                    throw new InvalidOperationException($"AsyncFd read '{back}' for a {line.Length}-byte line");
                }
            }
        }
        finally
        {
            cts.Dispose();
        }

        return latency;
    }

    public async ValueTask DisposeAsync()
    {
        await _lines.DisposeAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _fd.Dispose();
        _slave.Dispose();
    }
}
