using System;
using System.Buffers;

namespace EporeX.AspNetCore;

/// <summary>How the EporeX Kestrel transport runs: its loops, its backend, where application code runs, and its buffers.</summary>
public sealed class EporeXTransportOptions
{
    /// <summary>
    /// How many event loops (threads) serve connections: <c>Environment.ProcessorCount</c> capped at 16 when 0
    /// (the default, as Kestrel's Sockets transport sizes its I/O queues). Every listener of the server shares them.
    /// </summary>
    public int LoopCount { get; set; }

    /// <summary>
    /// The backend by name (<c>epoll</c>, <c>kqueue</c>, <c>poll</c>); null (the default) picks as
    /// <c>EventQueue.CreatePoll</c> does, so <c>EPOREX_BACKEND</c> applies.
    /// </summary>
    public string? Backend { get; set; }

    /// <summary>
    /// False (the default): Kestrel's code and the application's run on the thread pool, the loops only do
    /// I/O. True: they run on the loop thread that received the data, with no thread hop at all: the fastest
    /// setting, and a bargain: a request handler that blocks (a synchronous database call, <c>.Result</c>, a
    /// long computation) stalls every connection of that loop. Kestrel's Sockets transport calls this
    /// <c>UnsafePreferInlineScheduling</c>.
    /// </summary>
    public bool InlineScheduling { get; set; }

    /// <summary>Received bytes Kestrel has not read yet at which receiving pauses (1 MiB, Kestrel's <c>MaxReadBufferSize</c> default).</summary>
    public long ReceivePauseThreshold { get; set; } = 1024 * 1024;

    /// <summary>Unsent bytes at which Kestrel's flush waits (64 KiB, Kestrel's <c>MaxWriteBufferSize</c> default).</summary>
    public long SendPauseThreshold { get; set; } = 64 * 1024;

    /// <summary>Sets TCP_NODELAY on every accepted TCP connection (true by default, as Kestrel does).</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>The listen backlog of each listening socket (512 by default, as Kestrel).</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>
    /// How connections are spread over the loops: <see cref="ListenerDistribution.Auto"/> (the default) is one
    /// SO_REUSEPORT socket per loop for TCP on Linux and FreeBSD, else one acceptor.
    /// </summary>
    public ListenerDistribution Distribution { get; set; }

    /// <summary>
    /// Creates the memory pool the connections' pipes use. Null (the default): Kestrel's own pool factory
    /// from the service provider (<c>IMemoryPoolFactory&lt;byte&gt;</c>, which Kestrel registers), else
    /// EporeX's <see cref="PinnedBlockMemoryPool"/>.
    /// </summary>
    public Func<MemoryPool<byte>>? MemoryPoolFactory { get; set; }

    /// <summary>Checks every value; the first wrong one throws.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(LoopCount, nameof(LoopCount));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ReceivePauseThreshold, nameof(ReceivePauseThreshold));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SendPauseThreshold, nameof(SendPauseThreshold));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Backlog, nameof(Backlog));
        if (!Enum.IsDefined(Distribution))
        {
            throw new ArgumentOutOfRangeException(nameof(Distribution), Distribution, "Unknown ListenerDistribution.");
        }
    }

    /// <summary>The loop count to use: <see cref="LoopCount"/>, or the processor count capped at 16.</summary>
    internal int EffectiveLoopCount => LoopCount > 0 ? LoopCount : Math.Min(Environment.ProcessorCount, 16);
}
