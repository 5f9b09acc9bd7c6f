using System;
using EporeX.Unix;

namespace EporeX.Fallback;

/// <summary>
/// Offers the poll(2) backend wherever poll() works on a pipe: found by trying it, so a C library or a
/// sandbox without it is reported rather than failing later. Chosen automatically only when neither
/// epoll nor kqueue can run, because a wait costs O(registered descriptors).
/// </summary>
public sealed class PollProvider : IEventQueueProvider
{
    /// <summary><c>poll</c>.</summary>
    public const string BackendName = "poll";

    private static readonly SupportProbe Probe = new(ProbeOnce);

    /// <inheritdoc />
    public string Name => BackendName;

    /// <inheritdoc />
    public int Priority => 100;

    /// <inheritdoc />
    public EventQueueSupport Support => Probe.Value;

    /// <inheritdoc />
    public IEventQueue Create() => new PollEventQueue();

    private static unsafe EventQueueSupport ProbeOnce(SupportProbe probe)
    {
        try
        {
            var error = Libc.OpenPipe(out var readEnd, out var writeEnd, nonBlocking: true);
            if (error != 0)
            {
                return probe.Failed("pipe", error, $"pipe failed ({EventQueueErrors.Describe(error)})");
            }

            try
            {
                var entry = new Interop.PollFd { Fd = readEnd, Events = Interop.Poll.POLLIN };
                var n = Interop.Poll.Call(&entry, 1, 0);
                return n < 0
                    ? EventQueueSupport.Unsupported($"poll failed ({EventQueueErrors.Describe(Errno.Last)})")
                    : EventQueueSupport.Supported("poll on a pipe succeeded");
            }
            finally
            {
                Libc.Close(readEnd);
                Libc.Close(writeEnd);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return EventQueueSupport.Unsupported($"this system's C library has no poll ({e.GetType().Name})");
        }
    }
}
