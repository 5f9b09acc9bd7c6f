using System.Buffers;

namespace EporeX;

/// <summary>
/// A chain's spare <see cref="PipeSegment"/> objects: a segment whose block went back to the pool is kept
/// (up to <c>capacity</c>) and rented again, so a connection in steady state allocates no segment. Used
/// under its owner's lock.
/// </summary>
internal sealed class SpareSegments(int capacity)
{
    private PipeSegment? _top;
    private int _count;

    /// <summary>A segment holding a block of at least <paramref name="size"/> bytes from <paramref name="pool"/>, its chain at <paramref name="runningIndex"/>.</summary>
    public PipeSegment Rent(MemoryPool<byte> pool, int size, long runningIndex)
    {
        var segment = _top;
        if (segment is null)
        {
            segment = new PipeSegment();
        }
        else
        {
            _top = segment.NextSpare;
            segment.NextSpare = null;
            _count--;
        }

        segment.Rent(pool, size, runningIndex);
        return segment;
    }

    /// <summary>Gives the segment's block back to its pool, and keeps the segment unless enough are kept.</summary>
    public void Free(PipeSegment segment)
    {
        segment.Return();
        if (_count < capacity)
        {
            segment.NextSpare = _top;
            _top = segment;
            _count++;
        }
    }
}
