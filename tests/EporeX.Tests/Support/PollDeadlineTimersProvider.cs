using EporeX.Fallback;

namespace EporeX.Tests.Support;

/// <summary>
/// The poll(2) backend as it runs where there is no timerfd (macOS, the BSDs, any system but Linux): its
/// timers are deadlines folded into poll()'s timeout. Named <c>poll-deadline</c> in the timer theories, so
/// that path runs here too.
/// </summary>
internal sealed class PollDeadlineTimersProvider : IEventQueueProvider
{
    public const string BackendName = "poll-deadline";

    private readonly PollProvider _poll = new();

    public string Name => BackendName;

    public int Priority => _poll.Priority + 1;

    public EventQueueSupport Support => _poll.Support;

    public IEventQueue Create() => new PollEventQueue(timerFd: false);
}
