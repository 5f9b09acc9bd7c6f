using System;
using System.Buffers;

namespace EporeX;

/// <summary>How a <see cref="DescriptorPipe"/> buffers, schedules and closes.</summary>
public sealed class DescriptorPipeOptions
{
    /// <summary>The pool the pipes take their segments from; null (the default) for one <see cref="PinnedBlockMemoryPool"/> shared by every pipe.</summary>
    public MemoryPool<byte>? Pool { get; set; }

    /// <summary>
    /// Received bytes the application has not examined yet at which receiving pauses (1 MiB by default; as
    /// with <c>Pipe</c>, bytes examined without being consumed do not count, so a frame larger than this still arrives):
    /// the descriptor is then left unread, so the kernel's buffers fill and the peer is slowed down (TCP's
    /// window closes). Memory held per connection stays under this plus one segment, plus what the application
    /// examined and keeps unconsumed.
    /// </summary>
    public long ReceivePauseThreshold { get; set; } = 1024 * 1024;

    /// <summary>Unexamined bytes under which receiving resumes (half of <see cref="ReceivePauseThreshold"/> by default, when 0).</summary>
    public long ReceiveResumeThreshold { get; set; }

    /// <summary>Unsent bytes at which the application's <c>Output.FlushAsync</c> waits (64 KiB by default).</summary>
    public long SendPauseThreshold { get; set; } = 64 * 1024;

    /// <summary>Unsent bytes under which a waiting <c>FlushAsync</c> resumes (half of <see cref="SendPauseThreshold"/> by default, when 0).</summary>
    public long SendResumeThreshold { get; set; }

    /// <summary>The smallest segment the receiver asks for (4,096 bytes: one block of the default pool).</summary>
    public int MinimumSegmentSize { get; set; } = PinnedBlockMemoryPool.BlockSize;

    /// <summary>
    /// False (the default): the application's reads and flushes continue on the thread pool, so it may
    /// block (the receiver runs on the loop thread, apart from it). True: they continue where the data
    /// arrives (the loop thread when the loop runs continuations inline, else the receiver's work item),
    /// and a <see cref="DescriptorPipe.DisposeAsync"/> that waited for the last send where that send ended:
    /// one hop fewer each, and application code that must never block.
    /// </summary>
    public bool InlineScheduling { get; set; }

    /// <summary>
    /// False (the default): the send runs inside the application's <c>FlushAsync</c>, one system call per
    /// flush. True: the send runs once the flushing code has moved on, so flushes made in quick succession
    /// (an HTTP response's head, body and end; answers to pipelined requests) leave in one <c>sendmsg</c>:
    /// on a loop that runs continuations inline, on the loop thread after every event of the current wait
    /// has been handled (what kestrel-linux-transport called deferred sends). On a pool loop, a flush made
    /// in a continuation of the application's read of <see cref="DescriptorPipe.Input"/> (as Kestrel's
    /// request loop) sends when that continuation returns, on its thread, or sooner when it waits (a read
    /// that must wait, a flush held back by the peer), or, should it block on anything else, within 10 to
    /// 20 ms; any other flush sends as a thread-pool work item, as Kestrel's Sockets transport does.
    /// </summary>
    public bool DeferSends { get; set; }

    /// <summary>
    /// True (the default): the input takes a segment from the pool only once the descriptor is readable, and
    /// gives it back once the application has consumed what it holds, so an idle connection holds no
    /// buffer. False: it keeps one segment, emptied, for the next receive (no trip to the pool per burst, one
    /// block per idle connection).
    /// </summary>
    public bool WaitForDataBeforeAllocatingBuffer { get; set; } = true;

    /// <summary>
    /// A transport's own exception types (Kestrel's <c>ConnectionResetException</c>…): maps the error a
    /// receive or send failed with to the one the application sees. Null: the error as raised.
    /// </summary>
    internal Func<Exception, Exception>? MapError { get; set; }

    /// <summary>
    /// True: a failed send completes <see cref="DescriptorPipe.Output"/> without the error (the
    /// application's flush reports completion, as Kestrel's transports do) and the error reaches the
    /// application through <see cref="DescriptorPipe.Input"/> only. False: the flush throws it too.
    /// </summary>
    internal bool SendErrorsEndOutputQuietly { get; set; }
}
