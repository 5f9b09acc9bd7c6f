using System;
using System.Buffers;

namespace EporeX;

/// <summary>
/// One block of a <see cref="DescriptorPipe"/>'s chains. Output: the application writes at its end, the
/// sender sends from its start. Input: the receiver reads into its end, the application reads from its
/// start. While it is the chain's tail its <see cref="ReadOnlySequenceSegment{T}.Memory"/> is the whole
/// block (readers bound it by the end they know); once a block follows it, it is cut to what was written
/// and never changes again.
/// </summary>
internal sealed class PipeSegment : ReadOnlySequenceSegment<byte>
{
    private IMemoryOwner<byte>? _owner;
    private byte[]? _array;

    /// <summary>The whole block.</summary>
    public Memory<byte> Block { get; private set; }

    /// <summary>Bytes written into the block (output: flushed or not; input: received).</summary>
    public int End { get; set; }

    /// <summary>A spare segment kept by its chain for reuse.</summary>
    public PipeSegment? NextSpare { get; set; }

    public int Available => Block.Length - End;

    /// <summary>Takes a block of at least <paramref name="size"/> bytes: from <paramref name="pool"/> when it has blocks that large, else from the shared array pool.</summary>
    public void Rent(MemoryPool<byte> pool, int size, long runningIndex)
    {
        if (size <= pool.MaxBufferSize)
        {
            _owner = pool.Rent(size);
            Block = _owner.Memory;
        }
        else
        {
            _array = ArrayPool<byte>.Shared.Rent(size);
            Block = _array;
        }

        Memory = Block;
        RunningIndex = runningIndex;
        End = 0;
        Next = null;
    }

    /// <summary>Empty again, keeping its block: the chain goes on from <paramref name="runningIndex"/>.</summary>
    public void Rewind(long runningIndex)
    {
        Memory = Block;
        RunningIndex = runningIndex;
        End = 0;
        Next = null;
    }

    /// <summary>Links the next block and cuts this one to what was written: a sequence over it then ends at <see cref="End"/>.</summary>
    public void Append(PipeSegment next)
    {
        Memory = Block[..End];
        Next = next;
    }

    /// <summary>Gives the block back.</summary>
    public void Return()
    {
        _owner?.Dispose();
        _owner = null;
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = null;
        }

        Block = default;
        Memory = default;
        Next = null;
        End = 0;
    }
}
