using System;
using EporeX.Unix;
using static EporeX.Linux.Epoll.Interop.Epoll;

namespace EporeX.Linux.Epoll;

/// <summary>
/// A timerfd registered edge-triggered: each expiration wakes the file's wait queue, so a wait reports
/// the token once per batch of expirations whether or not they were read, and <see cref="Consume"/>
/// reads the kernel's count. A stale ready entry left by an earlier schedule is dropped by epoll itself,
/// which polls the file again before it reports it.
/// </summary>
internal sealed class EpollTimer : IEventQueueTimer
{
    private readonly EpollEventQueue _queue;
    private readonly TimerFd _timer;

    public EpollTimer(EpollEventQueue queue, Token token)
    {
        _queue = queue;
        _timer = TimerFd.Create();
        if (queue.Control(EPOLL_CTL_ADD, _timer.Fd, EPOLLIN | EPOLLET, token.Value) != 0)
        {
            var errno = Errno.Last;
            _timer.Dispose();
            throw EventQueueErrors.Kernel("epoll_ctl(ADD, timerfd)", errno);
        }
    }

    public void Arm(TimeSpan due, TimeSpan? period) => _timer.Set(due, period);

    public void Disarm() => _timer.Clear();

    public long Consume() => _timer.Read();

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        if (!_queue.IsClosed && !_timer.Handle.IsClosed)
        {
            _queue.Control(EPOLL_CTL_DEL, _timer.Fd, 0, 0);
        }

        _timer.Dispose();
    }
}
