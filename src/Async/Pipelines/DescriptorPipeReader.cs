using System;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// A <see cref="DescriptorPipe"/>'s input when sends are batched on the pool: the input pipe's reader, except
/// that a read which must wait first sends what the application flushed in its batch. An application that
/// answers and then waits for the peer (even blocking on the read, with Kestrel's AllowSynchronousIO) must
/// not hold back the answer the peer is waiting for.
/// </summary>
internal sealed class DescriptorPipeReader(PipeReader inner, DescriptorPipeWriter output) : PipeReader
{
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(cancellationToken);
        if (!read.IsCompleted)
        {
            output.SendHeld();
        }

        return read;
    }

    protected override ValueTask<ReadResult> ReadAtLeastAsyncCore(int minimumSize, CancellationToken cancellationToken)
    {
        var read = inner.ReadAtLeastAsync(minimumSize, cancellationToken);
        if (!read.IsCompleted)
        {
            output.SendHeld();
        }

        return read;
    }

    public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override Task CopyToAsync(PipeWriter destination, CancellationToken cancellationToken = default)
    {
        output.SendHeld(); // copying waits for input
        return inner.CopyToAsync(destination, cancellationToken);
    }

    public override Task CopyToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        output.SendHeld();
        return inner.CopyToAsync(destination, cancellationToken);
    }
}
