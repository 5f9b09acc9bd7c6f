using System.Text;

namespace EporeX;

/// <summary>What a backend can watch and how, known before anything is registered.</summary>
/// <param name="Interests">Every <see cref="Interest"/> flag the backend supports.</param>
/// <param name="Edge">Whether <see cref="PollMode.Edge"/> and <see cref="PollMode.EdgeOneshot"/> are supported.</param>
/// <param name="Oneshot">Whether <see cref="PollMode.Oneshot"/> (and, with <paramref name="Edge"/>, <see cref="PollMode.EdgeOneshot"/>) is supported.</param>
/// <param name="RegularFiles">
/// Whether regular files and directories can be registered (poll(2) reports them always ready; epoll
/// refuses them with EPERM).
/// </param>
public readonly record struct EventQueueCapabilities(Interest Interests, bool Edge, bool Oneshot, bool RegularFiles)
{
    /// <summary>
    /// True when, on an edge-triggered stream socket, a read that returns less than the buffer it was
    /// given proves the receive queue empty: every byte that arrives afterwards raises a new edge, so the
    /// extra read that would only say EAGAIN can be skipped (tokio's rule for mio's epoll and kqueue).
    /// Known to hold for epoll and for the kqueue of macOS and the BSDs; false where it is not known (an
    /// emulation such as libkqueue, a third party's backend, any level-triggered one). It never holds at
    /// the end of the stream: an event that reports read-closed or an error must be read until 0 or an error.
    /// </summary>
    public bool ShortReadDrains { get; init; }

    /// <summary>
    /// True when closing a descriptor removes its registration from the kernel queue by itself, so that a
    /// descriptor about to be closed needs no deregistering system call (<c>Registry.DeregisterBeforeClose</c>).
    /// Epoll: once the file's last descriptor is closed (a duplicate keeps the registration, and its events come
    /// under the old token). False for kqueue here (libkqueue, an emulation, keeps its own record until told)
    /// and for poll(2) (the set is the library's own).
    /// </summary>
    public bool CloseDeregisters { get; init; }

    /// <summary>
    /// Whether <see cref="IEventQueue.CreateTimer"/> works, so that a <c>TimerSource</c> can be
    /// created. An init-only property (false by default) so that third-party backends need not change.
    /// </summary>
    public bool Timers { get; init; }

    /// <summary>Whether <see cref="IEventQueue.CreateProcessExit"/> works, so that a <c>ProcessExitSource</c> can be created.</summary>
    public bool ProcessExit { get; init; }

    /// <summary>True when every flag of <paramref name="interest"/> is supported.</summary>
    public bool Supports(Interest interest) => (interest & ~Interests) == 0;

    /// <summary>True when <paramref name="mode"/> is supported.</summary>
    public bool Supports(PollMode mode) => mode switch
    {
        PollMode.Level => true,
        PollMode.Edge => Edge,
        PollMode.Oneshot => Oneshot,
        PollMode.EdgeOneshot => Edge && Oneshot,
        _ => false,
    };

    /// <summary>For example <c>interests: Readable, Writable, Priority; modes: Level, Edge, Oneshot, EdgeOneshot</c>.</summary>
    public override string ToString()
    {
        var modes = new StringBuilder("Level");
        if (Edge)
        {
            modes.Append(", Edge");
        }

        if (Oneshot)
        {
            modes.Append(", Oneshot");
        }

        if (Edge && Oneshot)
        {
            modes.Append(", EdgeOneshot");
        }

        return $"interests: {Interests}; modes: {modes}; regular files: {(RegularFiles ? "yes" : "no")}";
    }
}
