namespace EporeX;

/// <summary>How an <see cref="EventLoopGroup"/> is built: how many loops, on which backend, how descriptors are spread.</summary>
public sealed class EventLoopGroupOptions
{
    /// <summary>How many loops; 0 (the default) means <see cref="System.Environment.ProcessorCount"/>.</summary>
    public int LoopCount { get; set; }

    /// <summary>
    /// How <see cref="EventLoopGroup.Next"/> picks a loop; <see cref="LoopAssignment.LeastRegistered"/> by
    /// default: measured (bench/README.md, "loopassignment"), it keeps the loops' counts within a few
    /// descriptors of each other under churn where round robin drifts 2–19 % apart, for 1–10 ns more per call.
    /// </summary>
    public LoopAssignment Assignment { get; set; } = LoopAssignment.LeastRegistered;

    /// <summary>Whether each loop thread is pinned to a CPU; <see cref="LoopThreadAffinity.None"/> by default.</summary>
    public LoopThreadAffinity Affinity { get; set; }

    /// <summary>
    /// The backend of every loop: <c>epoll</c>, <c>kqueue</c>, <c>poll</c> or <c>auto</c>; null defers to
    /// <c>EPOREX_BACKEND</c>, then to the best one here. Ignored when <see cref="Factory"/> is set.
    /// </summary>
    public string? Backend { get; set; }

    /// <summary>A factory to create each loop's <see cref="Poll"/> with; it wins over <see cref="Backend"/>.</summary>
    public EventQueueFactory? Factory { get; set; }

    /// <summary>As <see cref="EventLoopOptions.InlineContinuations"/>, for every loop.</summary>
    public bool InlineContinuations { get; set; }

    /// <summary>As <see cref="EventLoopOptions.EventCapacity"/>, for every loop.</summary>
    public int EventCapacity { get; set; } = EventLoopOptions.DefaultEventCapacity;

    /// <summary>The group's name: the loop threads are called "<c>{Name} {index}</c>", and metrics carry it as a tag.</summary>
    public string Name { get; set; } = "EporeX loop";
}
