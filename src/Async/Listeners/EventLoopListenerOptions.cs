using System;
using Microsoft.Extensions.Logging;

namespace EporeX;

/// <summary>How an <see cref="EventLoopListener"/> listens, accepts, and behaves when descriptors run out.</summary>
public sealed class EventLoopListenerOptions
{
    /// <summary>How connections are spread over the group; <see cref="ListenerDistribution.Auto"/> by default.</summary>
    public ListenerDistribution Distribution { get; set; }

    /// <summary>The listen(2) backlog of each listening socket (the kernel caps it at somaxconn); 512 by default, as Kestrel's.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>Sets TCP_NODELAY on every accepted TCP connection (true by default, as Kestrel does): small writes go out at once.</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>
    /// True (the default): the listener keeps one spare descriptor open (<c>/dev/null</c>). When accept
    /// fails with EMFILE or ENFILE, it closes the spare, accepts and at once closes the pending connections
    /// (their peers see a clean close instead of hanging in the backlog), and reopens the spare; the
    /// technique libuv and Netty use. False: connections wait in the backlog while the listener backs off.
    /// </summary>
    public bool ReserveDescriptor { get; set; } = true;

    /// <summary>
    /// The longest pause between two accept attempts while descriptors or memory run out (EMFILE,
    /// ENFILE, ENOBUFS, ENOMEM and no spare to free); pauses start at 5 ms and double up to it. 1 s by default.
    /// </summary>
    public TimeSpan MaxAcceptBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many accepted connections may wait for <see cref="EventLoopListener.AcceptAsync"/>; when they
    /// are that many, accepting pauses and new connections wait in the kernel's backlog. 128 by default.
    /// </summary>
    public int AcceptQueueCapacity { get; set; } = 128;

    /// <summary>
    /// True: an <see cref="EventLoopListener.AcceptAsync"/> that waits continues on the thread that accepted
    /// the connection even when the loops run continuations on the thread pool (that thread is a pool
    /// thread then), as Sockets' accept completions do. For a consumer known to return quickly (Kestrel's
    /// accept loop): one trip through the pool fewer per connection. A consumer that blocks would stall
    /// accepting, hence not offered publicly. On inline loops it is always so.
    /// </summary>
    internal bool ContinueAcceptsInline { get; set; }

    /// <summary>Where warnings (descriptors ran out, a callback failed) are written; none by default.</summary>
    public ILogger? Logger { get; set; }
}
