namespace EporeX;

/// <summary>How often a ready registration is reported.</summary>
public enum PollMode
{
    /// <summary>
    /// Level-triggered, the default: every <c>Poll.Wait</c> reports the
    /// descriptor for as long as it stays ready.
    /// </summary>
    Level = 0,

    /// <summary>
    /// Edge-triggered: reported once each time new readiness arrives (EPOLLET, EV_CLEAR). The caller must
    /// then read or write until the operation would block, or it may never hear of the descriptor again.
    /// </summary>
    Edge = 1,

    /// <summary>
    /// Reported once, then disarmed until <c>Registry.Reregister</c>
    /// arms it again (EPOLLONESHOT, EV_ONESHOT). The registration itself stays: deregister it, or
    /// reregister it, but do not register it again.
    /// </summary>
    Oneshot = 2,

    /// <summary>Edge-triggered and disarmed after the first report (EPOLLET | EPOLLONESHOT, EV_CLEAR | EV_ONESHOT).</summary>
    EdgeOneshot = 3,
}
