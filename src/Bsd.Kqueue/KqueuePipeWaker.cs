using EporeX.Unix;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// The waker of a kernel without EVFILT_USER: a non-blocking pipe whose read end is registered with
/// EV_CLEAR. Wake empties the pipe and writes one byte, so the pipe never fills, each Wake is a new edge,
/// and wakes before a wait collapse into the one event it reports.
/// </summary>
internal sealed class KqueuePipeWaker : IEventQueueWaker
{
    private readonly KqueueEventQueue _queue;
    private readonly WakePipe _pipe = new();

    public KqueuePipeWaker(KqueueEventQueue queue, Token token)
    {
        _queue = queue;
        var error = queue.ApplyOne((ulong)_pipe.ReadFd, queue.Platform.ReadFilter, KeventFlags.EV_ADD | KeventFlags.EV_CLEAR | KeventFlags.EV_RECEIPT, 0, token.Value);
        if (error != 0)
        {
            var fd = _pipe.ReadFd;
            _pipe.Dispose();
            throw EventQueueErrors.Kernel("kevent(EV_ADD, waker pipe)", fd, error);
        }

        queue.SetKind(_pipe.ReadFd, DescriptorKind.WakerPipe);
    }

    public void Wake()
    {
        System.ObjectDisposedException.ThrowIf(_pipe.IsClosed, this);
        _pipe.Drain();
        _pipe.Write();
    }

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        if (_pipe.IsClosed)
        {
            return;
        }

        if (!_queue.IsClosed)
        {
            _queue.ApplyOne((ulong)_pipe.ReadFd, _queue.Platform.ReadFilter, KeventFlags.EV_DELETE | KeventFlags.EV_RECEIPT, 0, 0);
            _queue.SetKind(_pipe.ReadFd, DescriptorKind.User);
        }

        _pipe.Dispose();
    }
}
