using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace EporeX;

/// <summary>
/// A <see cref="DescriptorPipe"/>'s input: a <see cref="PipeReader"/> of its own over a chain of pool
/// blocks the descriptor is received into (no copy, no second pipe, no receive task between them). On
/// readability the receiver reads until the descriptor would block, the application is the pause threshold
/// behind, or the stream ends; then it hands the data to a waiting read, inline or through the scheduler.
/// It reads ahead of the application, so the peer's end or reset is seen while nobody reads.
/// </summary>
/// <remarks>
/// <para>The receiver is one party at a time (<see cref="Receiver"/>): the readiness callback, or whoever
/// resumes it (the constructor, an <c>AdvanceTo</c> under the resume threshold). It calls the kernel
/// outside the lock, into the tail block beyond the end the application can see; the application never
/// frees the tail while the receiver holds it.</para>
/// <para>The rules are <see cref="Pipe"/>'s reader's: one read at a time, each answered by <c>AdvanceTo</c>;
/// a read waits until there are bytes it has not examined, the end, an error (thrown, even with data
/// left), or <see cref="CancelPendingRead"/>.</para>
/// </remarks>
internal sealed class DescriptorPipeReader : PipeReader, IValueTaskSource<ReadResult>, IThreadPoolWorkItem
{
    private static readonly Action<object?> FinishScheduled = static state => ((DescriptorPipeReader)state!).FinishRead();
    private static readonly Action<object?, CancellationToken> ReadCanceledByToken = static (state, token) => ((DescriptorPipeReader)state!).CancelRead(token);

    private readonly Lock _sync = new();
    private readonly DescriptorPipe _owner;
    private readonly IoRegistration _io;
    private readonly MemoryPool<byte> _pool;
    private readonly int _segmentSize;
    private readonly long _pauseThreshold;
    private readonly long _resumeThreshold;
    private readonly bool _shortReadDrains;
    private readonly bool _keepBlockWhenIdle;
    private readonly PipeScheduler _scheduler;
    private readonly DescriptorPipeWriter? _sendHeldBeforeWaiting;
    private readonly Action _onReadable;
    private readonly SpareSegments _spares = new(capacity: 4);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ManualResetValueTaskSourceCore<ReadResult> _read;
    private CancellationTokenRegistration _readRegistration;
    private CancellationToken _readToken;
    private ConfiguredValueTaskAwaitable<ReadyGuard>.ConfiguredValueTaskAwaiter _readable;

    // Under _sync. Positions are absolute: bytes since the first received.
    private PipeSegment? _head;
    private int _headStart;
    private PipeSegment? _tail;
    private long _received;
    private long _consumed;
    private long _examined;
    private Receiver _receiver = Receiver.Watching;
    private bool _endOfStream;      // nothing more comes: the peer's end, an error, an abort or a stop
    private Exception? _error;      // what reads throw once ended by it
    private bool _readerCompleted;
    private bool _reading;          // a result is out, not advanced yet
    private bool _readPending;      // the application awaits a read
    private bool _finishQueued;
    private bool _cancelNextRead;
    private bool _canceledByToken;

    public DescriptorPipeReader(DescriptorPipe owner, IoRegistration io, DescriptorPipeOptions options, MemoryPool<byte> pool, long resumeThreshold, bool shortReadDrains, PipeScheduler scheduler, DescriptorPipeWriter? sendHeldBeforeWaiting)
    {
        _owner = owner;
        _io = io;
        _pool = pool;
        _segmentSize = options.MinimumSegmentSize;
        _pauseThreshold = options.ReceivePauseThreshold;
        _resumeThreshold = resumeThreshold;
        _shortReadDrains = shortReadDrains;
        _keepBlockWhenIdle = !options.WaitForDataBeforeAllocatingBuffer;
        _scheduler = scheduler;
        _sendHeldBeforeWaiting = sendHeldBeforeWaiting;
        _onReadable = OnReadable;
        _read.RunContinuationsAsynchronously = false; // the scheduler decides where the application goes on
    }

    /// <summary>What a waiting read is answered with: taken under the lock, given outside it.</summary>
    private struct ReadAnswer
    {
        public ReadResult Result;
        public Exception? Error;
        public CancellationTokenRegistration Registration;
    }

    private enum Receiver
    {
        Watching, // waiting for readability (a waiter on the cell)
        Pumping,  // reading: the tail block is the receiver's
        Paused,   // the application is the pause threshold behind
        Ended,
    }

    /// <summary>Completes when receiving has ended; never faults, and continues on the pool.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Starts receiving (the constructor's part, once the pipe is built).</summary>
    public void Start() => Watch();

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        short version;
        lock (_sync)
        {
            ThrowIfNotReadable();
            if (TryTakeResultLocked(out var result))
            {
                return new ValueTask<ReadResult>(result);
            }

            _readPending = true;
            _canceledByToken = false;
            _readToken = cancellationToken;
            _read.Reset();
            version = _read.Version;
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.UnsafeRegister(ReadCanceledByToken, this);
            lock (_sync)
            {
                // Still this read: it may have ended meanwhile, and the application may already wait on the next.
                if (_readPending && _read.Version == version)
                {
                    _readRegistration = registration;
                    registration = default;
                }
            }

            registration.Dispose(); // the read already ended
        }

        _sendHeldBeforeWaiting?.SendHeld(); // the peer may be waiting for the answer this batch holds
        return new ValueTask<ReadResult>(this, version);
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_sync)
        {
            ThrowIfNotReadable();
            return TryTakeResultLocked(out result);
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        bool resume;
        lock (_sync)
        {
            if (!_reading)
            {
                throw new InvalidOperationException(_readerCompleted ? "Reading is not allowed after the reader was completed." : "No reading operation to complete.");
            }

            var consumedAt = Absolute(consumed);
            var examinedAt = Absolute(examined);
            if (consumedAt > examinedAt)
            {
                throw new InvalidOperationException("The examined position cannot be before the consumed position.");
            }

            if (consumedAt < _consumed || examinedAt > _received)
            {
                throw new InvalidOperationException("The position is not within the buffer of the last read.");
            }

            _reading = false;
            _examined = Math.Max(_examined, examinedAt);
            FreeConsumedLocked(consumedAt);
            resume = _receiver == Receiver.Paused && _received - _examined < _resumeThreshold;
            if (resume)
            {
                _receiver = Receiver.Watching;
            }
        }

        if (resume)
        {
            Watch();
        }
    }

    public override void CancelPendingRead()
    {
        bool finish;
        lock (_sync)
        {
            _cancelNextRead = true;
            finish = TakeFinishLocked();
        }

        if (finish)
        {
            ScheduleFinish();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        bool endNow;
        lock (_sync)
        {
            if (_readerCompleted)
            {
                return;
            }

            _readerCompleted = true;
            _reading = false;

            // Watching: the next readiness (or the descriptor's disposal) ends it; pumping: its next step does.
            endNow = _receiver == Receiver.Paused;
            if (_receiver != Receiver.Pumping)
            {
                FreeAllLocked();
            }
        }

        if (endNow)
        {
            EndReceiving(null);
        }
    }

    /// <summary>
    /// Receiving ends (an abort with its <paramref name="reason"/>, or a graceful stop when null): reads see the
    /// end at once. A receiver waiting for readability ends when its descriptor is disposed, which the owner does next.
    /// </summary>
    internal void End(Exception? reason)
    {
        bool endNow, finish;
        lock (_sync)
        {
            if (!_endOfStream)
            {
                _endOfStream = true;
                _error = reason;
            }

            endNow = _receiver == Receiver.Paused;
            finish = TakeFinishLocked();
        }

        if (endNow)
        {
            EndReceiving(null);
        }

        if (finish)
        {
            ScheduleFinish();
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _read.GetStatus(token);

    // As a Pipe built with useSynchronizationContext: false, the application's context is not captured.
    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext);

    void IThreadPoolWorkItem.Execute() => FinishRead();

    /// <summary>The receiver waits for readability; when it is known already, it reads at once.</summary>
    private void Watch()
    {
        while (true)
        {
            try
            {
                if (!_io.Cell.ReadyNowOrLater(Interest.Readable, ref _readable, _onReadable))
                {
                    return; // OnReadable goes on
                }
            }
            catch (Exception e)
            {
                EndReceiving(_owner.ErrorFor(e));
                return;
            }

            if (!Receive())
            {
                return;
            }
        }
    }

    private void OnReadable()
    {
        if (_readable.GetResult().IsShutSignal)
        {
            EndReceiving(_owner.ErrorFor(_io.Cell.ClosedException())); // the descriptor was disposed (an abort, a stop)
            return;
        }

        if (Receive())
        {
            Watch();
        }
    }

    /// <summary>
    /// The descriptor is readable: reads until it would block, the application is the pause threshold
    /// behind, or the stream ends, handing each read to a waiting application. True: wait for readability again.
    /// </summary>
    private bool Receive()
    {
        while (true)
        {
            Memory<byte> memory;
            lock (_sync)
            {
                if (_endOfStream || _readerCompleted)
                {
                    break;
                }

                if (_received - _examined >= _pauseThreshold) // as Pipe, what the application has examined does not count
                {
                    _receiver = Receiver.Paused; // AdvanceTo resumes it
                    ReleaseIdleBlockLocked();
                    return false;
                }

                _receiver = Receiver.Pumping;
                memory = TailRoomLocked();
            }

            var tick = _io.Cell.ReadTick;
            int n;
            try
            {
                n = _io.TryReadNow(memory.Span); // EAGAIN clears what it saw (the tick rule)
            }
            catch (Exception e)
            {
                EndReceiving(_owner.ErrorFor(e));
                return false;
            }

            if (n == 0)
            {
                break; // the peer finished sending: the application reads the end of the stream
            }

            if (n > 0)
            {
                // One lock for the data, the answer to an inline read, and the receiver's going back to watching.
                var drained = _shortReadDrains && n < memory.Length; // skip the read that would say EAGAIN
                bool finish = false, answered = false, completed;
                ReadAnswer answer = default;
                lock (_sync)
                {
                    if (_endOfStream)
                    {
                        break; // aborted or stopped meanwhile: what came after is not the application's
                    }

                    _tail!.End += n;
                    _received += n;
                    if (ReferenceEquals(_scheduler, PipeScheduler.Inline))
                    {
                        answered = TakeAnswerLocked(out answer);
                    }
                    else
                    {
                        finish = TakeFinishLocked();
                    }

                    completed = _readerCompleted;
                    if (drained && !completed)
                    {
                        _receiver = Receiver.Watching; // done with the tail: the application may free it from now on
                    }
                }

                if (drained)
                {
                    _io.Cell.ClearAfterWouldBlock(read: true, tick);
                }

                if (answered)
                {
                    Answer(answer); // inline scheduling: the application runs here, and comes back when it waits
                }
                else if (finish)
                {
                    ScheduleFinish();
                }

                if (!drained)
                {
                    continue;
                }

                // Ended meanwhile (perhaps by the application, inline): end now rather than at the next readiness.
                if (completed || Volatile.Read(ref _endOfStream) || Volatile.Read(ref _readerCompleted))
                {
                    break;
                }

                return true;
            }

            lock (_sync) // it would block
            {
                if (_endOfStream || _readerCompleted)
                {
                    break;
                }

                _receiver = Receiver.Watching;
                ReleaseIdleBlockLocked();
                return true;
            }
        }

        EndReceiving(null);
        return false;
    }

    /// <summary>Receiving has ended: reads get the end (or the error that ended it), and <see cref="Ended"/> completes.</summary>
    private void EndReceiving(Exception? error)
    {
        bool finish;
        lock (_sync)
        {
            if (_receiver == Receiver.Ended)
            {
                return;
            }

            _receiver = Receiver.Ended;
            if (!_endOfStream)
            {
                _endOfStream = true;
                _error = error;
            }

            if (_readerCompleted)
            {
                FreeAllLocked();
            }
            else
            {
                ReleaseIdleBlockLocked();
            }

            finish = TakeFinishLocked();
        }

        if (finish)
        {
            ScheduleFinish();
        }

        _ended.TrySetResult();
    }

    /// <summary>Under the lock: a result for a read now, if there is one. Throws the error that ended receiving.</summary>
    private bool TryTakeResultLocked(out ReadResult result)
    {
        if (_endOfStream && _error is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }

        if (_cancelNextRead || _received > _examined || _endOfStream)
        {
            result = new ReadResult(BufferLocked(), isCanceled: _cancelNextRead, isCompleted: _endOfStream);
            _cancelNextRead = false;
            _reading = true;
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>Under the lock: true when a waiting read can be answered and nobody has been asked to answer it yet.</summary>
    private bool TakeFinishLocked()
    {
        if (!_readPending || _finishQueued || !(_cancelNextRead || _canceledByToken || _received > _examined || _endOfStream))
        {
            return false;
        }

        _finishQueued = true;
        return true;
    }

    /// <summary>Answers the waiting read where the application is to go on.</summary>
    private void ScheduleFinish()
    {
        if (ReferenceEquals(_scheduler, PipeScheduler.Inline))
        {
            FinishRead();
        }
        else if (ReferenceEquals(_scheduler, PipeScheduler.ThreadPool))
        {
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false); // this object is the work item: no allocation
        }
        else
        {
            _scheduler.Schedule(FinishScheduled, this);
        }
    }

    private void FinishRead()
    {
        ReadAnswer answer;
        lock (_sync)
        {
            _finishQueued = false;
            if (!TakeAnswerLocked(out answer))
            {
                return;
            }
        }

        Answer(answer);
    }

    /// <summary>Under the lock: the answer for the waiting read, when it can have one now; the read is no longer pending.</summary>
    private bool TakeAnswerLocked(out ReadAnswer answer)
    {
        answer = default;
        if (!_readPending)
        {
            return false;
        }

        if (_canceledByToken)
        {
            answer.Error = new OperationCanceledException(_readToken);
        }
        else if (_endOfStream && _error is not null)
        {
            answer.Error = _error;
        }
        else if (!TryTakeResultLocked(out answer.Result))
        {
            return false;
        }

        _readPending = false;
        _canceledByToken = false;
        _readToken = default;
        answer.Registration = _readRegistration;
        _readRegistration = default;
        return true;
    }

    /// <summary>Outside the lock: the waiting read gets its answer (and the application goes on, when scheduling is inline).</summary>
    private void Answer(in ReadAnswer answer)
    {
        answer.Registration.Unregister();
        if (answer.Error is null)
        {
            _read.SetResult(answer.Result);
        }
        else
        {
            _read.SetException(answer.Error);
        }
    }

    private void CancelRead(CancellationToken token)
    {
        bool finish;
        lock (_sync)
        {
            if (!_readPending || _readToken != token)
            {
                return;
            }

            _canceledByToken = true;
            finish = TakeFinishLocked();
        }

        if (finish)
        {
            ScheduleFinish();
        }
    }

    private void ThrowIfNotReadable()
    {
        if (_readerCompleted)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }

        if (_readPending)
        {
            throw new InvalidOperationException("Concurrent reads are not supported.");
        }

        if (_reading)
        {
            throw new InvalidOperationException("Reading is already in progress: AdvanceTo the last read's buffer first.");
        }
    }

    private ReadOnlySequence<byte> BufferLocked() =>
        _head is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_head, _headStart, _tail!, _tail!.End);

    private long Absolute(SequencePosition position) =>
        position.GetObject() is PipeSegment segment ? segment.RunningIndex + position.GetInteger() : _consumed;

    /// <summary>Under the lock: the application has consumed up to <paramref name="consumedAt"/>; the blocks it emptied go back.</summary>
    private void FreeConsumedLocked(long consumedAt)
    {
        _consumed = consumedAt;
        while (_head is { } head && head.RunningIndex + head.End <= consumedAt)
        {
            if (ReferenceEquals(head, _tail))
            {
                ReleaseIdleBlockLocked();
                break;
            }

            _head = (PipeSegment)head.Next!;
            _spares.Free(head);
        }

        _headStart = _head is null ? 0 : (int)(consumedAt - _head.RunningIndex);
    }

    /// <summary>
    /// Under the lock, when everything received is consumed and the receiver does not hold the tail: an idle
    /// input holds no block (or keeps its one block, emptied, when buffers are taken before data is known).
    /// </summary>
    private void ReleaseIdleBlockLocked()
    {
        if (_receiver == Receiver.Pumping || _head is null || !ReferenceEquals(_head, _tail) || _consumed != _received)
        {
            return;
        }

        if (_keepBlockWhenIdle && _receiver != Receiver.Ended)
        {
            _head.Rewind(_received);
            _headStart = 0;
            return;
        }

        _spares.Free(_head);
        _head = _tail = null;
        _headStart = 0;
    }

    /// <summary>Under the lock, the receiver pumping: room at the end of the chain, a new block when the tail is full.</summary>
    private Memory<byte> TailRoomLocked()
    {
        var tail = _tail;
        if (tail is not null && tail.Available > 0)
        {
            return tail.Block[tail.End..];
        }

        var next = _spares.Rent(_pool, _segmentSize, _received);
        if (tail is null)
        {
            _head = next;
            _headStart = 0;
        }
        else if (ReferenceEquals(_head, tail) && _consumed == _received)
        {
            _spares.Free(tail); // full and consumed: the application is done with it
            _head = next;
            _headStart = 0;
        }
        else
        {
            tail.Append(next);
        }

        _tail = next;
        return next.Block;
    }

    /// <summary>Under the lock: the application is done with the input, the receiver with the chain.</summary>
    private void FreeAllLocked()
    {
        for (var segment = _head; segment is not null;)
        {
            var next = (PipeSegment?)segment.Next;
            _spares.Free(segment);
            segment = next;
        }

        _head = _tail = null;
        _headStart = 0;
    }
}
