using System;

namespace EporeX.Tests.Swap;

/// <summary>
/// A backend that cannot run anywhere, with the highest priority of all, so that a test can ask for an
/// unsupported backend on any machine (the real kqueue provider is unsupported on Linux, but may not be
/// installed). Public with a parameterless constructor, so that the DI container can create it.
/// </summary>
public sealed class UnavailableProvider : IEventQueueProvider
{
    public const string BackendName = "unavailable";

    public const string Reason = "its kernel object does not exist on this machine (a stand-in backend of the tests)";

    public string Name => BackendName;

    public int Priority => 1000;

    public EventQueueSupport Support => EventQueueSupport.Unsupported(Reason);

    public IEventQueue Create() => throw new InvalidOperationException($"{BackendName} is never supported, so it is never created");
}
