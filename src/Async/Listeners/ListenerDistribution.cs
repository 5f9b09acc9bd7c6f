namespace EporeX;

/// <summary>How an <see cref="EventLoopListener"/> spreads accepted connections over its group's loops.</summary>
public enum ListenerDistribution
{
    /// <summary>
    /// <see cref="ReusePort"/> where the kernel balances a shared port (TCP on Linux and FreeBSD) and the
    /// group has more than one loop; <see cref="Acceptor"/> otherwise, or when the kernel refuses.
    /// <see cref="EventLoopListener.Distribution"/> tells which was chosen, and why.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// One listening socket per loop, all bound to the same port (Linux SO_REUSEPORT, FreeBSD
    /// SO_REUSEPORT_LB): the kernel spreads connections, and each is served by the loop whose socket
    /// accepted it. Asked for explicitly where it cannot work, <see cref="EventLoopListener.Bind"/> throws
    /// <see cref="System.NotSupportedException"/>.
    /// </summary>
    ReusePort = 1,

    /// <summary>One listening socket on one loop, handing each connection to the group's next loop (<see cref="EventLoopGroup.Next"/>).</summary>
    Acceptor = 2,
}
