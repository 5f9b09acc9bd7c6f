using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Bench.TtyLatency;

/// <summary>
/// The pty's slave end read and written through EporeX: opened non-blocking, registered with an
/// <see cref="EventLoop"/>, and used only through <see cref="AsyncFd.AsStream"/>, with lines read through a
/// <see cref="PipeReader"/> (as samples/TtyDemo reads them) so that a timeout never loses a byte.
/// </summary>
internal sealed class AsyncFdTty : IAsyncDisposable
{
    private readonly SafeFileHandle _slave;
    private readonly AsyncFd _fd;
    private readonly Stream _stream;
    private readonly PipeReader _lines;

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
        _lines = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
    }

    /// <summary>The length of the next line without its '\n'.</summary>
    public async ValueTask<int> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _lines.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var length = (int)buffer.Slice(0, end).Length;
                _lines.AdvanceTo(buffer.GetPosition(1, end));
                return length;
            }

            if (result.IsCompleted)
            {
                throw new EndOfStreamException("the tty ended in the middle of a round trip");
            }

            _lines.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Write a line, read the echo back, <paramref name="roundTrips"/> times; each read under its own <paramref name="timeout"/>.</summary>
    public async Task<Latency> MeasureAsync(byte[] line, int roundTrips, TimeSpan timeout, string id, string name)
    {
        var latency = new Latency(id, name, roundTrips);
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
                var back = await ReadLineAsync(cts.Token).ConfigureAwait(false);
                latency.Add(Stopwatch.GetTimestamp() - start);
                if (back + 1 != line.Length)
                {
                    throw new InvalidOperationException($"AsyncFd read a {back}-byte line for a {line.Length}-byte one");
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
        await _lines.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _fd.Dispose();
        _slave.Dispose();
    }
}
