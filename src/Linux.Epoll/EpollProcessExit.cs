using System;
using EporeX.Unix;
using static EporeX.Linux.Epoll.Interop.Epoll;

namespace EporeX.Linux.Epoll;

/// <summary>A pidfd registered EPOLLONESHOT: it becomes readable when the process exits and stays so, and the exit is reported once.</summary>
internal sealed class EpollProcessExit : IDisposable
{
    private readonly EpollEventQueue _queue;
    private readonly FileDescriptorHandle _pidFd;

    public EpollProcessExit(EpollEventQueue queue, Token token, int pid)
    {
        _queue = queue;
        _pidFd = PidFd.Open(pid);
        if (queue.Control(EPOLL_CTL_ADD, _pidFd.Fd, EPOLLIN | EPOLLONESHOT, token.Value) != 0)
        {
            var errno = Errno.Last;
            _pidFd.Dispose();
            throw EventQueueErrors.Kernel("epoll_ctl(ADD, pidfd)", errno);
        }
    }

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        if (!_queue.IsClosed && !_pidFd.IsClosed)
        {
            _queue.Control(EPOLL_CTL_DEL, _pidFd.Fd, 0, 0);
        }

        _pidFd.Dispose();
    }
}
