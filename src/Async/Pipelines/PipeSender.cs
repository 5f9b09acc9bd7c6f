using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// A <see cref="DescriptorPipe"/>'s send loop: sends what the application flushed with one vectored
/// system call of up to <see cref="Libc.MaxIovecs"/> segments (sendmsg on a socket, writev on anything
/// else: no copy, no call per segment), resumes a partial send when the descriptor is writable again,
/// and shuts the write half once the application completes its output.
/// </summary>
internal sealed class PipeSender
{
    private readonly MemoryHandle[] _pins = new MemoryHandle[Libc.MaxIovecs];

    public async Task RunAsync(DescriptorPipe owner, IoRegistration io, PipeReader reader)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    break; // aborted
                }

                while (!buffer.IsEmpty)
                {
                    var tick = io.Cell.WriteTick;
                    var n = io.Io.TryWriteVectored(buffer, _pins);
                    if (n < 0)
                    {
                        io.Cell.ClearAfterWouldBlock(read: false, tick);
                        await io.Cell.WaitAsync(Interest.Writable, default).ConfigureAwait(false);
                        continue;
                    }

                    buffer = buffer.Slice(n);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    owner.OutputDone(); // everything the application wrote is with the kernel: half-close
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = owner.ErrorFor(e);
            owner.Abort(error); // a failed send ends the connection: the receive side too
        }

        await reader.CompleteAsync(owner.SendErrorsEndOutputQuietly ? null : error).ConfigureAwait(false);
    }
}
