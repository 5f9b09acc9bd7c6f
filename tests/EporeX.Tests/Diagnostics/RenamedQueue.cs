using System;

namespace EporeX.Tests.Diagnostics;

/// <summary>
/// A real backend's queue under a name of its own, so that a test can pick its own measurements out of
/// the process-wide <c>EporeX</c> meter while other tests run in parallel (the name is the backend tag).
/// </summary>
public sealed class RenamedQueue(IEventQueue inner, string name) : IEventQueue
{
    public string Name => name;

    public EventQueueCapabilities Capabilities => inner.Capabilities;

    public void Register(int fd, Registration registration) => inner.Register(fd, registration);

    public void Reregister(int fd, Registration previous, Registration next) => inner.Reregister(fd, previous, next);

    public void Deregister(int fd, Registration previous) => inner.Deregister(fd, previous);

    public bool TryReplaceStale(int fd, Registration stale, Registration next) => inner.TryReplaceStale(fd, stale, next);

    public int Wait(Span<Event> events, TimeSpan? timeout) => inner.Wait(events, timeout);

    public void Interrupt() => inner.Interrupt();

    public IEventQueueWaker CreateWaker(Token token) => inner.CreateWaker(token);

    public void Dispose() => inner.Dispose();
}
