namespace EporeX.Fallback;

/// <summary>One registered descriptor in the managed table of a <see cref="PollSet"/>.</summary>
internal struct PollSlot
{
    public int Fd;

    public Registration Registration;

    /// <summary>The pollfd events: <see cref="PollFlags.ToPoll"/> of the interest.</summary>
    public short Events;

    /// <summary>Unique per Register/Reregister, so that a result of a poll() that ran before a change is never taken for the new registration.</summary>
    public ulong Id;

    /// <summary>False once a oneshot registration has fired, until it is reregistered.</summary>
    public bool Armed;

    /// <summary>The descriptor was closed behind the queue's back (POLLNVAL, or its handle object is closed).</summary>
    public bool Stale;

    /// <summary>An event source's descriptor that the waiting thread drains before it reports it (a timerfd), or null.</summary>
    public IPollDrain? Drain;

    /// <summary>Whether poll() should watch the descriptor at all.</summary>
    public readonly bool Active => Armed && !Stale;
}
