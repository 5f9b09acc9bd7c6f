using System;

namespace EporeX.Tests.Selection;

/// <summary>A provider whose support the test decides; it creates the real epoll/poll queue of a donor when asked.</summary>
internal sealed class FakeProvider(string name, int priority, bool supported, Func<IEventQueue>? create = null) : IEventQueueProvider
{
    public string Name => name;

    public int Priority => priority;

    public EventQueueSupport Support => supported
        ? EventQueueSupport.Supported($"{name} probe succeeded")
        : EventQueueSupport.Unsupported($"{name} probe failed on purpose");

    public int Created { get; private set; }

    public IEventQueue Create()
    {
        Created++;
        return (create ?? throw new InvalidOperationException($"{name} cannot create"))();
    }
}
