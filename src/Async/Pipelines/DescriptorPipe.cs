using System;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// A registered descriptor as an <see cref="IDuplexPipe"/>, for code that speaks System.IO.Pipelines
/// (Kestrel, SignalR, StreamJsonRpc, protocol parsers): what the descriptor receives is read from
/// <see cref="Input"/>, what is written and flushed to <see cref="Output"/> is sent. A connected socket or a
/// tty is one <see cref="AsyncFd"/>; a pipe pair is two.
/// </summary>
/// <remarks>
/// <para>Receiving reads straight into <see cref="Input"/>'s blocks, ahead of the application, and stops while
/// <see cref="DescriptorPipeOptions.ReceivePauseThreshold"/> bytes are unexamined; sending is one vectored system call per
/// flush (or per <c>IOV_MAX</c> segments), resumed on writability, and the application's
/// <c>FlushAsync</c> waits while <see cref="DescriptorPipeOptions.SendPauseThreshold"/> bytes are unsent.
/// Memory per connection is bounded by the two thresholds.</para>
/// <para>Completing <see cref="Output"/> sends what is left, then shuts the write half (a socket's
/// <c>shutdown(SHUT_WR)</c>, a pipe pair's write end closed): the peer reads the end of the stream while
/// this side still receives. The peer's end of stream completes <see cref="Input"/>; a receive or send
/// error completes it with the error (<c>SocketException</c>, <see cref="IOException"/>).
/// <see cref="Abort"/> ends both at once; <see cref="DisposeAsync"/> ends them gracefully. Either way the
/// AsyncFds are disposed (closing what they own) and nothing the kernel already accepted is lost.</para>
/// </remarks>
/// <example>
/// <code>
/// var fd = loop.Register(acceptedSocket, Interest.Readable | Interest.Writable);
/// await using var connection = DescriptorPipe.Create(fd);
/// while (true)
/// {
///     var read = await connection.Input.ReadAsync();
///     foreach (var segment in read.Buffer) { await connection.Output.WriteAsync(segment); } // echo
///     connection.Input.AdvanceTo(read.Buffer.End);
///     if (read.IsCompleted) { break; }
/// }
/// </code>
/// </example>
public sealed class DescriptorPipe : IDuplexPipe, IAsyncDisposable
{
    private static readonly PinnedBlockMemoryPool SharedPool = new();

    private readonly AsyncFd _reader;
    private readonly AsyncFd _writer;
    private readonly DescriptorPipeReader _input;
    private readonly DescriptorPipeWriter _output;
    private readonly Func<Exception, Exception>? _mapError;
    private Exception? _abortReason;
    private Task? _completion;
    private int _ended;

    private DescriptorPipe(AsyncFd reader, AsyncFd writer, DescriptorPipeOptions options, bool shortReadDrains)
    {
        _reader = reader;
        _writer = writer;
        _mapError = options.MapError;
        SendErrorsEndOutputQuietly = options.SendErrorsEndOutputQuietly;
        var pool = options.Pool ?? SharedPool;

        // The output sends what is flushed itself: no second pipe, no send loop to resume.
        _output = new DescriptorPipeWriter(this, writer, options, pool, Resume(options.SendPauseThreshold, options.SendResumeThreshold));

        // Where the receiver and the application run. On an inline loop, the receiver runs on the loop
        // thread, and the application too when inline scheduling is asked (else it hops to the pool). On a
        // pool loop with inline scheduling, the application continues inside the receiver's work item. On a
        // pool loop otherwise, the receiver runs on the loop thread (its calls never block) and hands each
        // read to the application as a work item: one trip through the pool per read, and an application
        // that blocks (a synchronous read) never stops its own connection's receiving.
        PipeScheduler inputReaderScheduler;
        if (reader.Loop.InlineContinuations)
        {
            inputReaderScheduler = options.InlineScheduling ? PipeScheduler.Inline : PipeScheduler.ThreadPool;
        }
        else if (options.InlineScheduling)
        {
            inputReaderScheduler = PipeScheduler.Inline;
        }
        else
        {
            reader.Registration.Cell.ContinueInline();
            writer.Registration.Cell.ContinueInline(); // a send resumed on writability is a non-blocking call too
            inputReaderScheduler = options.DeferSends ? new ApplicationScheduler(_output) : PipeScheduler.ThreadPool;
        }

        var sendHeldBeforeWaiting = inputReaderScheduler is ApplicationScheduler ? _output : null;
        _input = new DescriptorPipeReader(this, reader.Registration, options, pool, Resume(options.ReceivePauseThreshold, options.ReceiveResumeThreshold), shortReadDrains, inputReaderScheduler, sendHeldBeforeWaiting);
        _input.Start();
    }

    /// <summary>What the descriptor received: read it, and <c>AdvanceTo</c> what was consumed.</summary>
    public PipeReader Input => _input;

    /// <summary>What to send: write, then <c>FlushAsync</c>; <c>Complete</c> to half-close.</summary>
    public PipeWriter Output => _output;

    /// <summary>Completes when both directions have ended (receiving has stopped, and sending has ended or failed).</summary>
    /// <remarks>
    /// Made on first use: joining the two ends costs a task and, once receiving ends, a trip through the
    /// thread pool, which a server that never asks (Kestrel's transport) should not pay per connection.
    /// </remarks>
    public Task Completion
    {
        get
        {
            if (Volatile.Read(ref _completion) is { } completion)
            {
                return completion;
            }

            completion = Task.WhenAll(_input.Ended, _output.Ended);
            return Interlocked.CompareExchange(ref _completion, completion, null) ?? completion;
        }
    }

    /// <summary>
    /// Completes when receiving has ended: the peer's end of stream, a receive error, <see cref="Abort"/> or
    /// <see cref="DisposeAsync"/> (the input pipe is then complete). It never faults. A server's
    /// "connection closed" signal.
    /// </summary>
    public Task ReceiveCompletion => _input.Ended;

    internal bool SendErrorsEndOutputQuietly { get; }

    internal Exception? AbortReason => Volatile.Read(ref _abortReason);

    /// <summary>A pipe over one descriptor that both receives and sends (a connected socket, a tty); it takes the AsyncFd over.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="fd"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="fd"/> is not registered for both <see cref="Interest.Readable"/> and <see cref="Interest.Writable"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A threshold or the segment size is not positive, or a resume threshold exceeds its pause threshold.</exception>
    /// <exception cref="ObjectDisposedException">An AsyncFd, its loop or its handle is disposed; nothing is taken.</exception>
    public static DescriptorPipe Create(AsyncFd fd, DescriptorPipeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fd);
        return Create(fd, fd, options);
    }

    /// <summary>A pipe over a pair: <paramref name="reader"/> receives, <paramref name="writer"/> sends (the two ends of pipes to and from a child process); it takes both over.</summary>
    /// <exception cref="ArgumentNullException">Either is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="reader"/> is not registered for <see cref="Interest.Readable"/>, or <paramref name="writer"/> not for <see cref="Interest.Writable"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A threshold or the segment size is not positive, or a resume threshold exceeds its pause threshold.</exception>
    /// <exception cref="ObjectDisposedException">An AsyncFd, its loop or its handle is disposed; nothing is taken.</exception>
    public static DescriptorPipe Create(AsyncFd reader, AsyncFd writer, DescriptorPipeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(writer);
        options ??= new DescriptorPipeOptions();
        Validate(options);
        if ((reader.Interest & Interest.Readable) == 0 || (writer.Interest & Interest.Writable) == 0)
        {
            throw new ArgumentException($"The reader must be registered for Readable and the writer for Writable (got {reader.Interest} and {writer.Interest}).", nameof(reader));
        }

        reader.ValidateIo(Interest.Readable);
        writer.ValidateIo(Interest.Writable);

        // Asked before anything is built: a handle closed behind the AsyncFd fails here and takes nothing.
        var shortReadDrains = reader.Loop.ShortReadDrains && reader.Registration.Io.IsStreamSocket;
        return new DescriptorPipe(reader, writer, options, shortReadDrains);
    }

    /// <summary>
    /// Ends both directions now: the application's pending and next reads of <see cref="Input"/> fail with
    /// <paramref name="reason"/> (an <see cref="IOException"/> when null), its flushes of <see cref="Output"/>
    /// complete, and the AsyncFds are disposed. Unsent data is dropped. Calling it again does nothing.
    /// </summary>
    public void Abort(Exception? reason = null) => End(reason, reset: false);

    /// <summary>
    /// <see cref="Abort"/>, and a socket's close resets the connection (an RST: the peer's receive fails)
    /// instead of ending the stream. Kestrel's Sockets transport aborts that way, and a peer that reads to
    /// the end of the stream (an HTTP/1.0 answer, a raw protocol) must not take a cut answer for a whole
    /// one. What the kernel had not sent yet is dropped.
    /// </summary>
    internal void AbortWithReset(Exception reason) => End(reason, reset: true);

    private void End(Exception? reason, bool reset)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        if (reset)
        {
            _reader.Registration.Io.TryResetOnClose();
        }

        reason ??= new IOException("The connection was aborted.");
        Volatile.Write(ref _abortReason, reason);
        _input.End(reason);
        _output.Abort();
        _reader.Dispose(); // pending awaits fail at once; the descriptor closes when no call is using it
        _writer.Dispose();
    }

    /// <summary>
    /// Ends gracefully: completes <see cref="Output"/> (if the application has not), waits until what was
    /// flushed is sent and the write half shut, then stops receiving and disposes the AsyncFds.
    /// Use <see cref="Abort"/> not to wait for a peer that does not read.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _output.Complete();
        _output.SendHeld(); // disposing in a continuation of a read: the wait below needs it sent
        await _output.Ended.ConfigureAwait(false);
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            _input.End(null);
            _reader.Dispose();
            _writer.Dispose();
        }

        await _input.Ended.ConfigureAwait(false);
    }

    /// <summary>The sender has handed everything to the kernel and the application completed its output: half-close.</summary>
    internal void OutputDone()
    {
        if (!_writer.Registration.Io.TryShutdownWrite() && !ReferenceEquals(_writer, _reader))
        {
            _writer.Dispose(); // a pipe pair's write end: closing it is the end of the stream
        }
    }

    /// <summary>The exception a loop completes its pipe with: the abort's reason once aborted (the disposed AsyncFd is its consequence).</summary>
    internal Exception? ErrorFor(Exception e) =>
        AbortReason is { } reason ? reason
        : e is ObjectDisposedException && Volatile.Read(ref _ended) != 0 ? null
        : _mapError is null ? e : _mapError(e);

    private static long Resume(long pause, long resume) => resume > 0 ? resume : pause / 2;

    private static void Validate(DescriptorPipeOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ReceivePauseThreshold, nameof(options.ReceivePauseThreshold));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.SendPauseThreshold, nameof(options.SendPauseThreshold));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MinimumSegmentSize, nameof(options.MinimumSegmentSize));
        ArgumentOutOfRangeException.ThrowIfNegative(options.ReceiveResumeThreshold, nameof(options.ReceiveResumeThreshold));
        ArgumentOutOfRangeException.ThrowIfNegative(options.SendResumeThreshold, nameof(options.SendResumeThreshold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ReceiveResumeThreshold, options.ReceivePauseThreshold, nameof(options.ReceiveResumeThreshold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.SendResumeThreshold, options.SendPauseThreshold, nameof(options.SendResumeThreshold));
    }
}
