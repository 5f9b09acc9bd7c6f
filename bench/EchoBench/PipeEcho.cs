using System.Buffers;
using System.Threading.Tasks;

namespace EporeX.Bench.EchoBench;

/// <summary>
/// <c>--async --pipe</c>: a connection as a System.IO.Pipelines user writes it. The
/// <see cref="DescriptorPipe"/> receives into its input pipe and sends what is flushed to its Output
/// (one vectored send per flush); the handler only moves bytes from one to the other.
/// </summary>
internal static class PipeEcho
{
    public static async Task RunAsync(AsyncFd fd, bool inline)
    {
        await using var pipe = DescriptorPipe.Create(fd, new DescriptorPipeOptions { InlineScheduling = inline });
        var input = pipe.Input;
        var output = pipe.Output;
        while (true)
        {
            var read = await input.ReadAsync().ConfigureAwait(false);
            foreach (var segment in read.Buffer)
            {
                output.Write(segment.Span);
            }

            input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return;
            }

            var flush = await output.FlushAsync().ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                return;
            }
        }
    }
}
