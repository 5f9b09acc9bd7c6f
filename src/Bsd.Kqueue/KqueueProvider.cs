using System;
using EporeX.Unix;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// Offers the kqueue backend where kqueue() resolves and succeeds: the C library of macOS and the BSDs,
/// or libkqueue (libkqueue.so.0) on Linux. Found by calling kqueue(), so a missing libkqueue or a
/// sandbox that forbids it falls back to the next backend; on Linux epoll is still preferred.
/// </summary>
public sealed class KqueueProvider : IEventQueueProvider
{
    /// <summary><c>kqueue</c>.</summary>
    public const string BackendName = "kqueue";

    private static readonly SupportProbe Probe = new(ProbeOnce);

    /// <inheritdoc />
    public string Name => BackendName;

    /// <inheritdoc />
    public int Priority => 200;

    /// <inheritdoc />
    public EventQueueSupport Support => Probe.Value;

    /// <inheritdoc />
    public IEventQueue Create() => new KqueueEventQueue();

    private static EventQueueSupport ProbeOnce(SupportProbe probe)
    {
        if (KqueuePlatform.Current is not { } platform)
        {
            return EventQueueSupport.Unsupported(KqueuePlatform.Unavailable);
        }

        try
        {
            var kq = Interop.Kqueue.Create();
            if (kq < 0)
            {
                var errno = Errno.Last;
                return probe.Failed("kqueue()", errno, $"kqueue: kqueue() failed on {platform.Name} ({EventQueueErrors.Describe(errno)})");
            }

            Libc.Close(kq);
            var source = platform.Library ?? "the C library";
            return EventQueueSupport.Supported($"kqueue() from {source} succeeded ({platform.Name}, struct kevent of {platform.Layout.Size} bytes)");
        }
        catch (DllNotFoundException)
        {
            return EventQueueSupport.Unsupported(platform.Library is { } library
                ? $"kqueue: not available on Linux without libkqueue ({library} not found)" // only libkqueue names a library
                : $"kqueue: the C library of {platform.Name} could not be loaded");
        }
        catch (EntryPointNotFoundException e)
        {
            return EventQueueSupport.Unsupported($"kqueue: the library has no kqueue entry point ({e.Message})");
        }
    }
}
