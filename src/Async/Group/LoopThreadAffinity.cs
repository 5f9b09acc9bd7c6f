namespace EporeX;

/// <summary>Whether an <see cref="EventLoopGroup"/> pins each loop thread to one CPU.</summary>
/// <remarks>
/// Pinning is done with <c>sched_setaffinity</c> on Linux, loop <c>i</c> on the <c>i</c>-th CPU the process
/// may run on (wrapping around when there are more loops than CPUs), so a taskset or cgroup limit is
/// respected. Other systems have no such call that binds (macOS's affinity tags are hints; FreeBSD's
/// cpuset is not wired here yet): there the loops run unpinned, as <see cref="EventLoopGroup.AffinityReport"/> says.
/// </remarks>
public enum LoopThreadAffinity
{
    /// <summary>No pinning: the scheduler moves loop threads freely (the default).</summary>
    None = 0,

    /// <summary>Pin where the system can; otherwise run unpinned and say why in <see cref="EventLoopGroup.AffinityReport"/>.</summary>
    BestEffort = 1,

    /// <summary>Pin, or fail the group's construction: <see cref="System.PlatformNotSupportedException"/> off Linux, <see cref="EventQueueException"/> when the kernel refuses.</summary>
    Required = 2,
}
