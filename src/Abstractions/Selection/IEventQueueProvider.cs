namespace EporeX;

/// <summary>
/// One backend as the factory sees it: its name, how much it is preferred, whether it can run on this
/// machine (found by creating its kernel object, not by the OS's name), and how to create a queue.
/// </summary>
public interface IEventQueueProvider
{
    /// <summary>The name <see cref="EventQueueOptions.Backend"/> and <c>EPOREX_BACKEND</c> select it by.</summary>
    string Name { get; }

    /// <summary>
    /// Higher is preferred when the backend is chosen automatically. The shipped backends: epoll 300,
    /// kqueue 200, poll 100 (so on Linux with libkqueue installed, epoll still wins); a third party picks
    /// its place among them.
    /// </summary>
    int Priority { get; }

    /// <summary>Whether the backend can run here, and why (or why not). Probed once, then cached.</summary>
    EventQueueSupport Support { get; }

    /// <summary>Creates a new kernel queue.</summary>
    /// <exception cref="EventQueueException">The kernel refused (out of descriptors, for example).</exception>
    IEventQueue Create();
}

/// <summary>The answer of a backend's probe.</summary>
/// <param name="IsSupported">Whether the backend can run here.</param>
/// <param name="Detail">What the probe found: for example "epoll_create1 succeeded" or "libkqueue.so.0 not found".</param>
public readonly record struct EventQueueSupport(bool IsSupported, string Detail)
{
    /// <summary>The backend can run here.</summary>
    public static EventQueueSupport Supported(string detail) => new(true, detail);

    /// <summary>The backend cannot run here, for <paramref name="reason"/>.</summary>
    public static EventQueueSupport Unsupported(string reason) => new(false, reason);
}
