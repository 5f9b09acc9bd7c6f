using System;

namespace EporeX.ThirdPartyBackend;

/// <summary>Plugs <see cref="SimplePollQueue"/> into the factory, like any first-party provider.</summary>
public sealed class SimplePollProvider : IEventQueueProvider
{
    public string Name => SimplePollQueue.BackendName;

    public int Priority => 1;

    public EventQueueSupport Support => OperatingSystem.IsLinux()
        ? EventQueueSupport.Supported("poll(2) through its own interop")
        : EventQueueSupport.Unsupported("written with Linux's constants only");

    public IEventQueue Create() => new SimplePollQueue();
}
