using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Bench.ChildProcessComparison;

/// <summary>
/// Lines ('\n'-terminated, UTF-8) from a stream, through a <see cref="PipeReader"/>. Chosen over
/// <see cref="StreamReader.ReadLineAsync(CancellationToken)"/> because a cancelled PipeReader read consumes
/// nothing: a line half-received when the timeout fires is still whole in the next read, where a
/// StreamReader may already have moved its first characters into the line it was building and dropped them.
/// </summary>
internal sealed class LineReader(Stream stream) : IAsyncDisposable
{
    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));

    /// <summary>The next line without its '\n'; the unterminated rest at the end of the stream; null after that.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = Encoding.UTF8.GetString(buffer.Slice(0, end));
                _reader.AdvanceTo(buffer.GetPosition(1, end));
                return line;
            }

            if (result.IsCompleted)
            {
                var rest = buffer.IsEmpty ? null : Encoding.UTF8.GetString(buffer);
                _reader.AdvanceTo(buffer.End);
                return rest;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End); // keep it all, ask for more
        }
    }

    public ValueTask DisposeAsync() => _reader.CompleteAsync();
}
