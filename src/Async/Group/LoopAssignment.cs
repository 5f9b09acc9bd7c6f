namespace EporeX;

/// <summary>How <see cref="EventLoopGroup.Next"/> picks the loop for a new descriptor.</summary>
public enum LoopAssignment
{
    /// <summary>
    /// Each loop in turn (one atomic increment). Even for descriptors that live about as long as each
    /// other, and it never piles a burst of simultaneous assignments onto one loop.
    /// </summary>
    RoundRobin = 0,

    /// <summary>
    /// The loop with the fewest registered descriptors (<see cref="EventLoop.Count"/>), ties broken in turn.
    /// Rebalances when lifetimes differ widely, at the cost of reading every loop's count per call; a
    /// burst of calls made before any of them registers sees the same counts.
    /// </summary>
    LeastRegistered = 1,
}
