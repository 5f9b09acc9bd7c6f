namespace EporeX;

/// <summary>
/// Counts the descriptors the library does not own that have awaits pending, for the loop's check for a
/// descriptor closed behind its back (see <see cref="ClosedBehindWatch"/>). Called under a cell's lock.
/// </summary>
internal interface IPendingWatch
{
    /// <summary>The cell's first await is queued.</summary>
    void Pending();

    /// <summary>The cell's last await is gone.</summary>
    void Settled();
}
