using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Tests.Support;

/// <summary>
/// EporeX's pinned-block pool, counting the bytes rented and not yet returned, and their peak: what a
/// connection's pipes hold in memory, for the backpressure bounds and the checks that every block goes back.
/// </summary>
internal sealed class CountingMemoryPool : MemoryPool<byte>
{
    private readonly PinnedBlockMemoryPool _inner = new();
    private long _outstanding;
    private long _peak;

    public long Outstanding => Volatile.Read(ref _outstanding);

    public long Peak => Volatile.Read(ref _peak);

    /// <summary>Blocks rented and not returned (the inner pool's blocks are all one size).</summary>
    public long OutstandingBlocks => Outstanding / PinnedBlockMemoryPool.BlockSize;

    /// <summary>Waits (up to <paramref name="patience"/>) until every block is back: a block goes back on the thread that ends its use.</summary>
    public async Task WhenNoneOutstandingAsync(TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (Outstanding != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
    }

    public override int MaxBufferSize => _inner.MaxBufferSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        var owner = _inner.Rent(minBufferSize);
        var now = Interlocked.Add(ref _outstanding, owner.Memory.Length);
        var peak = Volatile.Read(ref _peak);
        while (now > peak && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
            peak = Volatile.Read(ref _peak);
        }

        return new Owner(this, owner);
    }

    protected override void Dispose(bool disposing) => _inner.Dispose();

    private sealed class Owner(CountingMemoryPool pool, IMemoryOwner<byte> inner) : IMemoryOwner<byte>
    {
        private int _disposed;

        public Memory<byte> Memory => inner.Memory;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Add(ref pool._outstanding, -inner.Memory.Length);
                inner.Dispose();
            }
        }
    }
}
