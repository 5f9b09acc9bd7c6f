namespace EporeX.Bsd.Kqueue;

/// <summary>
/// An EVFILT_USER event added with EV_CLEAR: Wake is one NOTE_TRIGGER kevent call, which never blocks and
/// allocates nothing; triggers before a wait collapse into the one event that wait reports, and EV_CLEAR
/// resets it so nothing more is reported until the next Wake.
/// </summary>
internal sealed class KqueueUserWaker : IEventQueueWaker
{
    private readonly KqueueEventQueue _queue;
    private readonly ulong _ident;
    private readonly ulong _token;
    private bool _disposed;

    public KqueueUserWaker(KqueueEventQueue queue, ulong ident, Token token)
    {
        _queue = queue;
        _ident = ident;
        _token = token.Value;
        if (!queue.TryAddUserEvent(queue.Platform.UserFilter!.Value, ident, KeventFlags.EV_ADD | KeventFlags.EV_CLEAR, token.Value))
        {
            throw EventQueueErrors.Kernel("kevent(EV_ADD, EVFILT_USER waker)", Unix.Errno.EINVAL);
        }
    }

    public void Wake()
    {
        System.ObjectDisposedException.ThrowIf(_disposed, this);
        _queue.TriggerUserEvent(_ident, _token);
    }

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_queue.IsClosed)
        {
            _queue.ApplyOne(_ident, _queue.Platform.UserFilter!.Value, KeventFlags.EV_DELETE | KeventFlags.EV_RECEIPT, 0, 0);
        }
    }
}
