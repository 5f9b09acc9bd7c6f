using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// A <see cref="DescriptorPipe"/>'s output: a <see cref="PipeWriter"/> that sends what is flushed itself,
/// with one vectored system call of up to <see cref="Libc.MaxIovecs"/> blocks (sendmsg on a socket, writev
/// on anything else; send or write when it is one block; no copy, no call per block), instead of a second
/// <see cref="Pipe"/> and a send loop reading it: a flush costs no state machine and no pipe of its own.
/// </summary>
/// <remarks>
/// <para>One party at a time holds the send (<see cref="_sending"/>). Unless sends are deferred, the flushing
/// thread takes it and sends inside <see cref="FlushAsync"/>; deferred, a send is scheduled for after the
/// flushing code has moved on (the loop's end of dispatch; on the pool, the end of the application's
/// continuation or its next wait, else a work item), so flushes made meanwhile leave together. A send that
/// would block waits for writability and goes on from the loop's continuation.
/// Only the holder frees sent blocks, so no block goes back to the pool while a system call may read it,
/// and the tail block is freed only while the application is not writing into it.</para>
/// <para>Backpressure: a flush waits while <see cref="DescriptorPipeOptions.SendPauseThreshold"/> bytes are
/// unsent, until fewer than the resume threshold are. Completing sends what is left, then shuts the write
/// half; a send error or <see cref="Abort"/> ends at once and drops what is unsent (a send in progress at
/// an abort gives its blocks back when its system call or wait returns).</para>
/// </remarks>
internal sealed class DescriptorPipeWriter : PipeWriter, IValueTaskSource<FlushResult>, IThreadPoolWorkItem
{
    private static readonly Action<object?> SendScheduled = static state => ((DescriptorPipeWriter)state!).SendPending();
    private static readonly Action<object?, CancellationToken> FlushCanceledByToken = static (state, token) => ((DescriptorPipeWriter)state!).CancelFlush(token);

    private readonly Lock _sync = new();
    private readonly DescriptorPipe _owner;
    private readonly IoRegistration _io;
    private readonly MemoryPool<byte> _pool;
    private readonly int _minimumSegmentSize;
    private readonly long _pauseThreshold;
    private readonly long _resumeThreshold;
    private readonly SendTiming _timing;
    private readonly EventLoop _loop;
    private readonly MemoryHandle[] _pins = new MemoryHandle[Libc.MaxIovecs];
    private readonly Action _onWritable;
    private readonly SpareSegments _spares = new(capacity: 8);
    private readonly TaskCompletionSource _ended;
    private ManualResetValueTaskSourceCore<FlushResult> _flush;
    private CancellationTokenRegistration _flushRegistration;
    private CancellationToken _flushToken;
    private ConfiguredValueTaskAwaitable<ReadyGuard>.ConfiguredValueTaskAwaiter _writable;

    // The chain runs from _head to _tail. Sent up to (_head, _headStart), flushed up to (_flushedTail,
    // _flushedEnd), written up to (_tail, _tail.End). Empty: all three null.
    private PipeSegment? _head;
    private int _headStart;
    private PipeSegment? _flushedTail;
    private int _flushedEnd;
    private PipeSegment? _tail;
    private long _unsent;
    private long _unflushed;

    private bool _writing;          // the application holds memory from GetMemory: the tail block stays
    private bool _sending;          // a send holds the head: inside a system call, scheduled, or waiting for writability
    private bool _completed;        // the application completed the writer
    private bool _stopped;          // no more sends: all sent after completion, a send failed, or aborted
    private Exception? _stopError;  // what flushes throw once stopped; null: they report IsCompleted
    private bool _flushPending;
    private bool _cancelNextFlush;

    // Deferred sends on the pool: while a continuation of the application's read runs (on _batchThread), its
    // sends are held (_held) until it returns or waits, instead of costing a work item each; whoever takes
    // _held (that thread, or the watchdog once the hold is a period old) sends.
    private int _batchThread;
    private int _held;
    private int _heldRound;
    private int _watched;
    private long _sendCalls;

    public DescriptorPipeWriter(DescriptorPipe owner, AsyncFd writer, DescriptorPipeOptions options, MemoryPool<byte> pool, long resumeThreshold)
    {
        _owner = owner;
        _io = writer.Registration;
        _loop = writer.Loop;
        _pool = pool;
        _minimumSegmentSize = options.MinimumSegmentSize;
        _pauseThreshold = options.SendPauseThreshold;
        _resumeThreshold = resumeThreshold;
        _timing = !options.DeferSends ? SendTiming.InFlush
            : writer.Loop.InlineContinuations ? SendTiming.EndOfDispatch
            : SendTiming.ThreadPool;
        _flush.RunContinuationsAsynchronously = !options.InlineScheduling; // a released flush continues where the application asked

        // So does a disposal that waited for the last send (a send deferred to the end of the loop's dispatch):
        // with inline scheduling it goes on where the send ended, not behind the thread pool's queue.
        _ended = new(options.InlineScheduling ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
        _onWritable = OnWritable;
    }

    private enum SendTiming
    {
        InFlush,       // the flushing thread sends
        EndOfDispatch, // the loop thread, after every event of its current wait
        ThreadPool,    // a pool work item, as Kestrel's Sockets transport
    }

    /// <summary>Completes when sending has ended: all sent and the write half shut, or a failure, or an abort. It never faults.</summary>
    public Task Ended => _ended.Task;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        var tail = TailWithRoom(sizeHint);
        return tail.Block[tail.End..];
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        var tail = TailWithRoom(sizeHint);
        return tail.Block.Span[tail.End..];
    }

    public override void Advance(int bytes)
    {
        var tail = _tail;
        if (!_writing || tail is null ? bytes != 0 : (uint)bytes > (uint)tail.Available)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Advance went past the memory GetMemory or GetSpan returned.");
        }

        if (bytes != 0)
        {
            tail!.End += bytes;
            _unflushed += bytes;
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<FlushResult>(cancellationToken);
        }

        bool sendNow;
        ReadOnlySequence<byte> flushed = default;
        lock (_sync)
        {
            if (_completed)
            {
                // Pipe's rule: a flush after Complete is no error (Complete committed everything, and sends it).
                // It reports completion once the connection is aborted, as Pipe's once its reader completed.
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: _owner.AbortReason is not null));
            }

            Commit();
            if (_stopped)
            {
                DropUnlessSending();
                return Stopped();
            }

            sendNow = TakeSend();
            if (sendNow && _timing == SendTiming.InFlush)
            {
                flushed = FlushedLocked(); // sent at once, without taking the lock again to find it
            }
        }

        if (sendNow)
        {
            if (flushed.IsEmpty)
            {
                Send();
            }
            else
            {
                SendPending(flushed);
            }
        }

        // The common end, without the lock: no cancel asked for, not stopped, and under the threshold. Each
        // may change the next moment, as it could just after the lock; only a wait needs the lock's view.
        if (!Volatile.Read(ref _cancelNextFlush) && !Volatile.Read(ref _stopped) && Volatile.Read(ref _unsent) < _pauseThreshold)
        {
            return default;
        }

        lock (_sync)
        {
            if (_cancelNextFlush)
            {
                _cancelNextFlush = false;
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
            }

            if (_stopped)
            {
                return Stopped();
            }

            if (_unsent < _pauseThreshold)
            {
                return default;
            }

            if (OnBatchThread && TakeHeld())
            {
                // The application waits on this thread, perhaps synchronously: the held send cannot wait for the batch's end.
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }

            // Backpressure: wait until the peer has taken enough.
            _flush.Reset();
            _flushPending = true;
            _flushToken = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _flushRegistration = cancellationToken.UnsafeRegister(FlushCanceledByToken, this);
            }

            return new ValueTask<FlushResult>(this, _flush.Version);
        }
    }

    public override void CancelPendingFlush() => CancelFlush(byToken: null);

    public override void Complete(Exception? exception = null)
    {
        bool sendNow = false, halfClose = false;
        lock (_sync)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            Commit();
            if (_stopped)
            {
                DropUnlessSending();
            }
            else if (exception is null)
            {
                sendNow = TakeSend();
                halfClose = !_sending; // nothing was left to send
            }
        }

        if (exception is not null)
        {
            Fail(exception, holdsSend: false); // completing with an error ends the connection, as a failed send does
        }
        else if (sendNow)
        {
            Send();
        }
        else if (halfClose)
        {
            HalfClose();
        }
    }

    /// <summary>The connection is aborted: stop sending, drop what is unsent, and let a waiting flush report completion.</summary>
    public void Abort()
    {
        lock (_sync)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            DropUnlessSending(); // a send in progress drops the blocks when it lets go, without sending more
        }

        // Ended at once, whatever a send is doing: a disposal after an abort must not wait on the peer or on a scheduled send.
        ReleaseFlush(new FlushResult(isCanceled: false, isCompleted: true));
        _ended.TrySetResult();
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _flush.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flush.GetStatus(token);

    // Never posted to a synchronization context, as a Pipe made with useSynchronizationContext: false.
    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flush.OnCompleted(continuation, state, token, flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext);

    void IThreadPoolWorkItem.Execute() => SendPending();

    /// <summary>
    /// The application's code is about to run on this thread (a continuation of its read, on the pool):
    /// with sends deferred to the pool, what it flushes meanwhile is held, and sent when it returns
    /// (<see cref="EndBatch"/>) or waits (<see cref="SendHeld"/>, or a flush held back by the peer): one
    /// system call for a batch of pipelined answers, and no work item. Should it do neither (it blocks on
    /// something else), <see cref="HeldSendWatchdog"/> sends what it held within two periods. False when
    /// another thread's batch is open (that thread holds the batch; this one's flushes go as work items).
    /// </summary>
    internal bool BeginBatch() =>
        _timing == SendTiming.ThreadPool && Interlocked.CompareExchange(ref _batchThread, Environment.CurrentManagedThreadId, 0) == 0;

    /// <summary>The application's code has returned: send what it held back, on this thread. Only after a <see cref="BeginBatch"/> that returned true.</summary>
    internal void EndBatch()
    {
        var held = TakeHeld();
        Volatile.Write(ref _batchThread, 0); // after the held send is taken: a later flush holds nothing for this batch
        if (held)
        {
            SendPending();
        }
    }

    /// <summary>The application is about to wait (for input, for the end of sending): what its batch holds goes now, as the peer may be waiting for it.</summary>
    internal void SendHeld()
    {
        if (OnBatchThread && TakeHeld())
        {
            SendPending();
        }
    }

    /// <summary>The system calls that sent (or tried to): how tests see that flushes left together.</summary>
    internal long SendCalls => Volatile.Read(ref _sendCalls);

    /// <summary>The watchdog's list: the next writer on it.</summary>
    internal DescriptorPipeWriter? NextWatched { get; set; }

    /// <summary>The watchdog's sweep <paramref name="round"/> took this writer off its list: send a hold that has outlived a period, watch a younger one again.</summary>
    internal void Sweep(int round)
    {
        // Off the list, then look at the hold; a hold looks at the list after it is made. Both with full
        // fences: a store then a load of another field may otherwise pass each other, and each side would
        // miss the other (the hold unwatched).
        Interlocked.Exchange(ref _watched, 0);
        if (Volatile.Read(ref _held) == 0)
        {
            return;
        }

        if (round - Volatile.Read(ref _heldRound) >= 2)
        {
            if (TakeHeld())
            {
                SendPending(); // the application has not returned or waited for a whole period: it blocks
            }
        }
        else
        {
            Watch();
        }
    }

    private bool TakeHeld() => Volatile.Read(ref _held) != 0 && Interlocked.Exchange(ref _held, 0) != 0;

    private void Watch()
    {
        if (Volatile.Read(ref _watched) == 0 && Interlocked.Exchange(ref _watched, 1) == 0)
        {
            HeldSendWatchdog.Watch(this);
        }
    }

    private bool OnBatchThread => Volatile.Read(ref _batchThread) == Environment.CurrentManagedThreadId;

    /// <summary>Under the lock: true when the caller is to send now (it holds the send); a deferred send is scheduled by <see cref="Send"/> too.</summary>
    private bool TakeSend()
    {
        if (_sending || _unsent == 0)
        {
            FreeSent();
            return false;
        }

        _sending = true;
        return true;
    }

    /// <summary>Holding the send, outside the lock: send now, or schedule it.</summary>
    private void Send()
    {
        switch (_timing)
        {
            case SendTiming.InFlush:
                SendPending();
                break;
            case SendTiming.EndOfDispatch:
                _loop.EndOfDispatch.Schedule(SendScheduled, this);
                break;
            default:
                if (OnBatchThread)
                {
                    // Sent when the application's code returns or waits, or by the watchdog should it block.
                    Volatile.Write(ref _heldRound, HeldSendWatchdog.Round);
                    Interlocked.Exchange(ref _held, 1);
                    Watch();
                }
                else
                {
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                }

                break;
        }
    }

    private void SendPending() => SendPending(default);

    /// <summary>
    /// Holding the send: sends until nothing flushed is left, the descriptor would block (it goes on when
    /// writable), or sending stops. <paramref name="flushed"/>: what the caller found to send under the lock, if it looked.
    /// </summary>
    private void SendPending(ReadOnlySequence<byte> flushed)
    {
        var data = flushed;
        var sent = 0;
        while (true)
        {
            if (data.IsEmpty && !NextToSend(sent, out data))
            {
                return;
            }

            try
            {
                var tick = _io.Cell.WriteTick;
                _sendCalls++; // one holder at a time, handed over through interlocked operations
                sent = _io.Io.TryWriteVectored(data, _pins);
                if (sent < 0)
                {
                    sent = 0;
                    _io.Cell.ClearAfterWouldBlock(read: false, tick);
                    if (!_io.Cell.ReadyNowOrLater(Interest.Writable, ref _writable, _onWritable))
                    {
                        return; // OnWritable goes on
                    }
                }
            }
            catch (Exception e)
            {
                Fail(e, holdsSend: true);
                return;
            }

            data = default;
        }
    }

    /// <summary>
    /// Holding the send, after <paramref name="sent"/> bytes left: gives their blocks back and finds what is
    /// left to send. False when nothing is, or sending has stopped: the send is let go (and the write half
    /// shut, when the application completed).
    /// </summary>
    private bool NextToSend(int sent, out ReadOnlySequence<byte> data)
    {
        data = default;
        bool resume, more, halfClose = false;
        lock (_sync)
        {
            resume = Consume(sent);
            more = !_stopped && _unsent > 0;
            if (more)
            {
                data = FlushedLocked();
            }
            else
            {
                _sending = false;
                halfClose = !_stopped && _completed;
                if (_stopped)
                {
                    DropUnlessSending();
                }
                else
                {
                    FreeSent();
                }
            }
        }

        if (resume)
        {
            ReleaseFlush(default(FlushResult));
        }

        if (halfClose)
        {
            HalfClose();
        }

        return more; // false when stopped too: the abort or the failure has ended the writer already
    }

    /// <summary>Under the lock: what is flushed and not sent yet.</summary>
    private ReadOnlySequence<byte> FlushedLocked() => new(_head!, _headStart, _flushedTail!, _flushedEnd);

    private void OnWritable()
    {
        if (_writable.GetResult().IsShutSignal)
        {
            Fail(_io.Cell.ClosedException(), holdsSend: true); // the descriptor was disposed (an abort, a stop)
            return;
        }

        SendPending();
    }

    /// <summary>Under the lock: <paramref name="sent"/> bytes left; frees the blocks they emptied. True when a waiting flush may go on.</summary>
    private bool Consume(int sent)
    {
        if (sent == 0)
        {
            return false;
        }

        _unsent -= sent;
        while (true)
        {
            var head = _head!;
            var end = ReferenceEquals(head, _flushedTail) ? _flushedEnd : head.End;
            var taken = Math.Min(sent, end - _headStart);
            _headStart += taken;
            sent -= taken;
            if (ReferenceEquals(head, _tail) || _headStart < head.End)
            {
                break; // the tail stays (the application writes there); a block partly sent stays
            }

            _head = (PipeSegment)head.Next!;
            _headStart = 0;
            if (ReferenceEquals(head, _flushedTail))
            {
                _flushedTail = _head;
                _flushedEnd = 0;
            }

            _spares.Free(head);
        }

        return _flushPending && _unsent < _resumeThreshold;
    }

    /// <summary>Everything is sent and the application completed the writer: shut the write half, and end.</summary>
    private void HalfClose()
    {
        try
        {
            _owner.OutputDone();
        }
        catch (Exception e)
        {
            Fail(e, holdsSend: false);
            return;
        }

        lock (_sync)
        {
            _stopped = true;
        }

        _ended.TrySetResult();
    }

    /// <summary>A send, the wait for writability or the half-close failed, or the application completed with an error: the connection ends.</summary>
    private void Fail(Exception e, bool holdsSend)
    {
        var error = _owner.ErrorFor(e);
        lock (_sync)
        {
            _sending &= !holdsSend;
            if (!_stopped)
            {
                _stopped = true;
                _stopError = _owner.SendErrorsEndOutputQuietly ? null : error;
            }

            DropUnlessSending();
        }

        _owner.Abort(error); // a failed send ends the receive side too
        if (_stopError is { } thrown)
        {
            ReleaseFlush(thrown);
        }
        else
        {
            ReleaseFlush(new FlushResult(isCanceled: false, isCompleted: true));
        }

        _ended.TrySetResult(); // as after an abort: a send still in progress only gives its blocks back
    }

    /// <summary>Ends the waiting flush: as canceled (<see cref="CancelPendingFlush"/>), or with <see cref="OperationCanceledException"/> when its token fired.</summary>
    private void CancelFlush(CancellationToken? byToken)
    {
        lock (_sync)
        {
            if (byToken is { } token && (!_flushPending || token != _flushToken))
            {
                return; // a late callback of an earlier flush's token
            }

            if (!_flushPending)
            {
                _cancelNextFlush = true; // Pipe's rule: a cancel with no flush waiting cancels the next one
                return;
            }
        }

        if (byToken is { } canceled)
        {
            ReleaseFlush(new OperationCanceledException(canceled));
        }
        else
        {
            ReleaseFlush(new FlushResult(isCanceled: true, isCompleted: false));
        }
    }

    private void ReleaseFlush(FlushResult result)
    {
        if (TakeFlush())
        {
            _flush.SetResult(result);
        }
    }

    private void ReleaseFlush(Exception error)
    {
        if (TakeFlush())
        {
            _flush.SetException(error);
        }
    }

    /// <summary>True for the one caller that ends the waiting flush.</summary>
    private bool TakeFlush()
    {
        CancellationTokenRegistration registration;
        lock (_sync)
        {
            if (!_flushPending)
            {
                return false;
            }

            _flushPending = false;
            registration = _flushRegistration;
            _flushRegistration = default;
        }

        registration.Unregister(); // not Dispose: that would wait for a running callback, which may be this one
        return true;
    }

    private ValueTask<FlushResult> Stopped() =>
        _stopError is { } error ? ValueTask.FromException<FlushResult>(error) : new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));

    /// <summary>Under the lock: what was written becomes flushed, and the application no longer holds the tail.</summary>
    private void Commit()
    {
        _writing = false;
        if (_unflushed != 0)
        {
            _flushedTail = _tail;
            _flushedEnd = _tail!.End;
            _unsent += _unflushed;
            _unflushed = 0;
        }
    }

    /// <summary>The tail block, with at least <paramref name="sizeHint"/> bytes of room; the application holds it until its next flush.</summary>
    private PipeSegment TailWithRoom(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var size = Math.Max(sizeHint, 1);
        var tail = _tail;
        if (_writing && tail is not null && tail.Available >= size)
        {
            return tail; // the common case: no lock, as nobody frees the tail while the application writes
        }

        lock (_sync)
        {
            ThrowIfCompleted();
            _writing = true;
            tail = _tail;
            if (tail is not null && tail.Available >= size)
            {
                return tail;
            }

            var next = _spares.Rent(_pool, Math.Max(size, _minimumSegmentSize), tail is null ? 0 : tail.RunningIndex + tail.End);
            if (tail is null)
            {
                _head = _flushedTail = next;
                _headStart = _flushedEnd = 0;
            }
            else
            {
                tail.Append(next);
            }

            _tail = next;
            return next;
        }
    }

    /// <summary>Under the lock, nobody sending: once everything is sent and the application is not writing, the chain goes back to the pool (an idle connection holds no block).</summary>
    private void FreeSent()
    {
        if (_sending || _unsent != 0 || _unflushed != 0 || _writing)
        {
            return;
        }

        for (var segment = _head; segment is not null;)
        {
            var next = (PipeSegment?)segment.Next;
            _spares.Free(segment);
            segment = next;
        }

        _head = _flushedTail = _tail = null;
        _headStart = _flushedEnd = 0;
    }

    /// <summary>Under the lock, once stopped: drops every block, but not while a send holds them (it drops them when it lets go), nor the tail the application writes into.</summary>
    private void DropUnlessSending()
    {
        if (_sending)
        {
            return;
        }

        var keep = _writing ? _tail : null;
        for (var segment = _head; segment is not null;)
        {
            var next = (PipeSegment?)segment.Next;
            if (!ReferenceEquals(segment, keep))
            {
                _spares.Free(segment);
            }

            segment = next;
        }

        _head = _flushedTail = _tail = keep;
        _headStart = _flushedEnd = keep?.End ?? 0;
        _unsent = 0;
        _unflushed = 0;
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
        }
    }
}
