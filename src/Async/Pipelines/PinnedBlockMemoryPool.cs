using System;
using System.Buffers;
using System.Collections.Concurrent;

namespace EporeX;

/// <summary>
/// A <see cref="MemoryPool{T}"/> of 4 KiB blocks on the pinned object heap, as Kestrel's transports use:
/// a block never moves, so a vectored send or a receive pins it for free (no <c>GCHandle</c>), and freed
/// blocks are reused, so a connection in steady state allocates none.
/// </summary>
/// <remarks>Thread-safe. Blocks returned after <see cref="MemoryPool{T}.Dispose()"/> are left to the collector.</remarks>
public sealed class PinnedBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of every block: 4,096 bytes.</summary>
    public const int BlockSize = 4096;

    private readonly ConcurrentQueue<Block> _free = new();
    private volatile bool _disposed;

    /// <summary>The largest buffer <see cref="Rent"/> hands out: <see cref="BlockSize"/>.</summary>
    public override int MaxBufferSize => BlockSize;

    /// <summary>A block of <see cref="BlockSize"/> bytes; dispose it to give it back.</summary>
    /// <param name="minBufferSize">At most <see cref="BlockSize"/>; -1 for the default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> is over <see cref="BlockSize"/>.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _free.TryDequeue(out var block) ? block.Reuse() : new Block(this);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    private sealed unsafe class Block(PinnedBlockMemoryPool pool) : MemoryManager<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        private bool _rented = true;

        public Block Reuse()
        {
            _rented = true;
            return this;
        }

        public override Span<byte> GetSpan() => _array;

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)BlockSize);
            return new MemoryHandle((byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _array[0]) + elementIndex); // on the pinned heap: nothing to hold
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (_rented && !pool._disposed)
            {
                _rented = false;
                pool._free.Enqueue(this);
            }
        }
    }
}
