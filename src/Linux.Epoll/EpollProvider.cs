using System;
using EporeX.Unix;

namespace EporeX.Linux.Epoll;

/// <summary>
/// Offers the epoll backend where epoll_create1 and eventfd work: found by creating them, so a sandbox
/// that forbids epoll (or a C library without it) falls back to the next backend.
/// </summary>
public sealed class EpollProvider : IEventQueueProvider
{
    /// <summary><c>epoll</c>.</summary>
    public const string BackendName = "epoll";

    private static readonly SupportProbe Probe = new(ProbeOnce);

    /// <inheritdoc />
    public string Name => BackendName;

    /// <inheritdoc />
    public int Priority => 300;

    /// <inheritdoc />
    public EventQueueSupport Support => Probe.Value;

    /// <inheritdoc />
    public IEventQueue Create() => new EpollEventQueue();

    private static EventQueueSupport ProbeOnce(SupportProbe probe)
    {
        try
        {
            var epfd = Interop.Epoll.Create1(Interop.Epoll.EPOLL_CLOEXEC);
            if (epfd < 0)
            {
                var errno = Errno.Last;
                return probe.Failed("epoll_create1", errno, $"epoll_create1 failed ({EventQueueErrors.Describe(errno)})");
            }

            Libc.Close(epfd);
            var efd = Interop.EventFd.Create(0, Interop.EventFd.EFD_CLOEXEC | Interop.EventFd.EFD_NONBLOCK);
            if (efd < 0)
            {
                var errno = Errno.Last;
                return probe.Failed("eventfd", errno, $"eventfd failed ({EventQueueErrors.Describe(errno)})");
            }

            Libc.Close(efd);
            return EventQueueSupport.Supported("epoll_create1 and eventfd succeeded");
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return EventQueueSupport.Unsupported($"this system's C library has no epoll ({e.GetType().Name})");
        }
    }
}
