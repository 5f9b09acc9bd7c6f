namespace EporeX.Fallback;

/// <summary>
/// A descriptor the queue owns for an event source (a timerfd) and drains itself when poll() reports it,
/// so that a level-triggered poll() reports each batch once, as epoll's edge trigger and kqueue do.
/// </summary>
internal interface IPollDrain
{
    /// <summary>Called by the waiting thread under the queue's lock; false when there was nothing (the event is dropped).</summary>
    bool Drain();
}
