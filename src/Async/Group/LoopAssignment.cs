namespace EporeX;

/// <summary>How <see cref="EventLoopGroup.Next"/> picks the loop for a new descriptor.</summary>
public enum LoopAssignment
{
    /// <summary>
    /// Each loop in turn (one atomic increment, about 3 ns). Even in assignments, but not in what stays
    /// registered when lifetimes differ: measured, the loops' counts drift 2–19 % apart (2 to 8 loops). It
    /// never piles assignments made before their registrations onto one loop.
    /// </summary>
    RoundRobin = 0,

    /// <summary>
    /// The loop with the fewest registered descriptors (<see cref="EventLoop.Count"/>), ties broken in turn;
    /// the default. Keeps the counts within a few descriptors of each other whatever the lifetimes, for
    /// reading every loop's count per call (3–14 ns, 2 to 8 loops). Register right after <c>Next()</c>:
    /// calls made before any of their registrations see the same counts and pile onto one loop.
    /// </summary>
    LeastRegistered = 1,
}
