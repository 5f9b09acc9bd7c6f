using EporeX.Unix;
using static EporeX.Linux.Epoll.Interop.Epoll;

namespace EporeX.Linux.Epoll;

/// <summary>
/// An eventfd registered edge-triggered and never read: each write is a new edge, and writes before a
/// wait collapse into the one edge the wait reports, so wakes coalesce without a read on the wait side
/// (as mio does).
/// </summary>
internal sealed class EpollWaker : IEventQueueWaker
{
    private readonly EpollEventQueue _queue;
    private readonly FileDescriptorHandle _eventFd;

    public EpollWaker(EpollEventQueue queue, Token token)
    {
        _queue = queue;
        _eventFd = queue.AddEventFd(EPOLLIN | EPOLLET, token.Value, "waker");
    }

    public void Wake() => EpollEventQueue.WriteCounter(_eventFd);

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        if (!_queue.IsClosed && !_eventFd.IsClosed)
        {
            _queue.Control(EPOLL_CTL_DEL, _eventFd.Fd, 0, 0);
        }

        _eventFd.Dispose();
    }
}
