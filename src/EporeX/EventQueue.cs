using System.Collections.Generic;
using EporeX.Bsd.Kqueue;
using EporeX.Fallback;
using EporeX.Linux.Epoll;

namespace EporeX;

/// <summary>The entry point without dependency injection: every backend, chosen as the factory chooses.</summary>
public static class EventQueue
{
    /// <summary>A new provider of each backend this package ships, most preferred first.</summary>
    public static IReadOnlyList<IEventQueueProvider> CreateProviders() =>
    [
        new EpollProvider(),
        new KqueueProvider(),
        new PollProvider(),
    ];

    /// <summary>A factory over every backend; see <see cref="EventQueueFactory"/> for how it chooses.</summary>
    /// <exception cref="EventQueueUnavailableException">The backend asked for cannot run here, or none can.</exception>
    public static EventQueueFactory CreateFactory(EventQueueOptions? options = null) => new(CreateProviders(), options);

    /// <summary>
    /// A Poll on the best backend of this machine, or on <paramref name="backend"/> (<c>epoll</c>, <c>kqueue</c>,
    /// <c>poll</c>, <c>auto</c>); with no argument, <c>EPOREX_BACKEND</c> is honoured.
    /// </summary>
    /// <exception cref="EventQueueUnavailableException">The backend asked for cannot run here, or none can.</exception>
    public static Poll CreatePoll(string? backend = null) =>
        CreateFactory(new EventQueueOptions { Backend = backend }).CreatePoll();
}
