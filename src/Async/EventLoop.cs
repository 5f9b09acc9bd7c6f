using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Unix;
using Microsoft.Win32.SafeHandles;

namespace EporeX;

/// <summary>
/// A <see cref="Poll"/> and the one thread that waits on it, for async/await code: register a descriptor
/// (<see cref="Register{THandle}(THandle, Interest, bool)"/>) and await its readiness, or read and write it,
/// through the <see cref="AsyncFd"/> it returns.
/// </summary>
/// <remarks>
/// <para>The loop thread only waits and dispatches: an event sets the descriptor's readiness and completes
/// the awaits that wait for it. The continuations run on the thread pool, unless
/// <see cref="EventLoopOptions.InlineContinuations"/> asks for the loop thread itself; an await that
/// captured a <see cref="SynchronizationContext"/> continues on that context either way
/// (<c>ConfigureAwait(false)</c> does not capture one).</para>
/// <para>An idle loop sleeps in the kernel until an event: no timer wakes it. Descriptors are registered
/// edge-triggered where the backend can (epoll, kqueue), else oneshot and re-armed after each change
/// (poll(2)), a choice made once per loop.</para>
/// <para><see cref="Dispose"/> stops the thread, fails every pending await with
/// <see cref="ObjectDisposedException"/> and closes the kernel queue. Each <see cref="AsyncFd"/> still
/// closes what it owns when it is disposed.</para>
/// </remarks>
/// <example>
/// <code>
/// await using var loop = new EventLoop();                     // best backend here, its own thread
/// using var tty = loop.Register(File.OpenHandle("/dev/ttyUSB0", FileMode.Open, FileAccess.ReadWrite), Interest.Readable);
/// var line = new byte[256];
/// int n = await tty.ReadAsync(line, cancellationToken);       // no thread blocks while it waits
/// </code>
/// </example>
public sealed class EventLoop : IDisposable, IAsyncDisposable
{
    /// <summary>The waker's token: above every slot token (a slot index never reaches 2^32 - 1).</summary>
    private const ulong WakerToken = ulong.MaxValue;

    private readonly Poll _poll;
    private readonly Waker _waker;
    private readonly Events _events;
    private readonly Thread _thread;
    private readonly RegistrationTable _table = new();
    private readonly List<(Action<object?> Work, object? State)> _endOfDispatch = []; // loop thread only
    private readonly ClosedBehindWatch _watch;
    private int _disposed;
    private volatile bool _stopping;

    // ---- EventLoopGroup support (issue 18): written by the loop thread only, read by metrics. ----
    private readonly Action? _onLoopThreadStart;
    private long _waits;
    private long _dispatched;

    /// <summary>Creates a loop on the backend <paramref name="options"/> name (or the best one here) and starts its thread.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EventLoopOptions.EventCapacity"/> is not positive.</exception>
    /// <exception cref="EventQueueUnavailableException">The backend asked for cannot run here, or none can.</exception>
    /// <exception cref="EventQueueException">The kernel refused the queue or the waker (EMFILE…); nothing leaks.</exception>
    public EventLoop(EventLoopOptions? options = null)
        : this(CreatePoll(options, fallback: null), options)
    {
    }

    /// <summary>
    /// Creates a loop around an existing <paramref name="poll"/>, which the loop owns from now on: its
    /// thread is the only one that may wait on it, and <see cref="Dispose"/> disposes it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="poll"/> is null.</exception>
    /// <exception cref="NotSupportedException">The backend has neither edge-triggered nor oneshot registration.</exception>
    public EventLoop(Poll poll, EventLoopOptions? options = null)
        : this(poll, options, onLoopThreadStart: null)
    {
    }

    // ---- EventLoopGroup support (issue 18): a start hook and two counters, nothing else. ----

    /// <summary>As the public constructor; <paramref name="onLoopThreadStart"/> runs first on the loop thread (EventLoopGroup pins it to a CPU there).</summary>
    internal EventLoop(Poll poll, EventLoopOptions? options, Action? onLoopThreadStart)
    {
        ArgumentNullException.ThrowIfNull(poll);
        options ??= new EventLoopOptions();
        try
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.EventCapacity, nameof(options.EventCapacity));
            if (!poll.Capabilities.Edge && !poll.Capabilities.Oneshot)
            {
                throw new NotSupportedException($"The backend {poll.Backend} has neither edge-triggered nor oneshot registration ({poll.Capabilities}); an EventLoop needs one of them.");
            }

            _poll = poll;
            _events = new Events(options.EventCapacity);
            _waker = new Waker(poll.Registry, new Token(WakerToken));
        }
        catch
        {
            poll.Dispose();
            throw;
        }

        _watch = new ClosedBehindWatch(_waker);
        _onLoopThreadStart = onLoopThreadStart;
        InlineContinuations = options.InlineContinuations;
        Mode = poll.Capabilities.Edge ? PollMode.Edge : PollMode.Oneshot;
        _thread = new Thread(Run) { IsBackground = true, Name = options.ThreadName };
        _thread.UnsafeStart();
    }

    /// <summary>Used by dependency injection: a loop on the container's factory unless the options name their own.</summary>
    internal EventLoop(EventLoopOptions options, EventQueueFactory containerFactory)
        : this(CreatePoll(options, containerFactory), options)
    {
    }

    /// <summary>The backend's name: <c>epoll</c>, <c>kqueue</c>, <c>poll</c>.</summary>
    public string Backend => _poll.Backend;

    /// <summary>The backend's capabilities; <see cref="AsyncFd"/>s are registered <see cref="PollMode.Edge"/> where it has edges, else <see cref="PollMode.Oneshot"/>.</summary>
    public EventQueueCapabilities Capabilities => _poll.Capabilities;

    /// <summary>Whether continuations run on the loop thread (<see cref="EventLoopOptions.InlineContinuations"/>).</summary>
    public bool InlineContinuations { get; }

    /// <summary>How many <see cref="AsyncFd"/>s are registered (not yet disposed).</summary>
    public int Count => _table.Count;

    /// <summary>True on the loop's own thread (inline continuations run there).</summary>
    public bool IsLoopThread => Thread.CurrentThread == _thread;

    internal PollMode Mode { get; }

    /// <summary>
    /// True where a read shorter than its buffer proves a stream socket drained (never another kind of
    /// descriptor: <see cref="DescriptorIo.IsStreamSocket"/>), so its readiness may be cleared without the
    /// read that would only say EAGAIN: epoll (a later arrival raises a new edge, under a new tick), poll(2)
    /// (the oneshot re-arm is level: data already there is reported at once) and a BSD kernel's kqueue; not
    /// libkqueue, whose edges are its own emulation.
    /// </summary>
    internal bool ShortReadDrains => Backend is "epoll" or "poll" || (Backend == "kqueue" && !OperatingSystem.IsLinux());

    /// <summary>
    /// True where the queue itself takes a socket's pending error, so that only its event tells of it:
    /// libkqueue, whose read filter fills a kevent's <c>fflags</c> from <c>getsockopt(SO_ERROR)</c> when
    /// epoll reports <c>EPOLLERR</c> (src/linux/read.c), which clears the error; a reset connection's next
    /// <c>recv</c> then finds only the end of the stream. A BSD kernel reports the error without clearing it.
    /// </summary>
    internal bool ErrorsOnlyInEvents => Backend == "kqueue" && OperatingSystem.IsLinux();

    internal Registry Registry => _poll.Registry;

    /// <summary>
    /// A scheduler that, on the loop thread, runs work once the events of the current wait have all been
    /// dispatched (and, anywhere else, at once): what the handlers of one wait flush leaves together.
    /// </summary>
    internal PipeScheduler EndOfDispatch => field ??= new EndOfDispatchScheduler(this);

    /// <summary>EventLoopGroup metrics: the waits this loop's thread has completed.</summary>
    internal long Waits => Volatile.Read(ref _waits);

    /// <summary>EventLoopGroup metrics: the events it dispatched to descriptors (its waker's not counted).</summary>
    internal long DispatchedEvents => Volatile.Read(ref _dispatched);

    /// <summary>
    /// Registers a descriptor held by a handle (SafeFileHandle, SafePipeHandle, SafeSocketHandle…), which the
    /// <see cref="AsyncFd"/> owns from now on unless <paramref name="leaveOpen"/>. A descriptor that is not a
    /// <see cref="SafeSocketHandle"/> is switched to non-blocking mode (O_NONBLOCK), which its reads and
    /// writes need; that flag belongs to the open file, so other holders of it see it too.
    /// </summary>
    /// <param name="handle">The handle; it is referenced only for each system call, so disposing it never blocks.</param>
    /// <param name="interest">The directions to await; at least one flag.</param>
    /// <param name="leaveOpen">True to keep the handle yours: the AsyncFd then never disposes it, and you dispose the AsyncFd before the handle.</param>
    /// <typeparam name="THandle">The handle's type, kept by <see cref="AsyncFd{T}.Inner"/>.</typeparam>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="interest"/> is empty or unknown, or the handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed, or the loop is disposed.</exception>
    /// <exception cref="NotSupportedException">The backend cannot watch <paramref name="interest"/> (Priority on macOS's poll(2)…).</exception>
    /// <exception cref="AlreadyRegisteredException">The descriptor is already registered with this loop.</exception>
    /// <exception cref="InvalidDescriptorException">The descriptor is not open.</exception>
    /// <exception cref="UnsupportedDescriptorException">The backend cannot watch this kind of descriptor (a regular file on epoll).</exception>
    /// <remarks>When it throws, nothing was taken: the handle stays the caller's, open.</remarks>
    public AsyncFd<THandle> Register<THandle>(THandle handle, Interest interest, bool leaveOpen = false)
        where THandle : SafeHandle
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        var fd = Descriptors.FromHandle(handle);
        InterestRules.Validate(interest);
        var kind = handle is SafeSocketHandle ? IoKind.Socket : handle is SafeFileHandle ? IoKind.File : IoKind.Unknown;
        var registration = RegisterCore(new DescriptorIo(handle, fd, kind, leaveOpen ? null : handle), interest);
        return new AsyncFd<THandle>(this, registration, handle);
    }

    /// <summary>Registers a socket, which the <see cref="AsyncFd"/> owns (disposes) from now on unless <paramref name="leaveOpen"/>; its reads and writes are recv and send (without SIGPIPE). See <see cref="Register{THandle}(THandle, Interest, bool)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed, or the loop is.</exception>
    public AsyncFd<Socket> Register(Socket socket, Interest interest, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var handle = socket.SafeHandle;
        ObjectDisposedException.ThrowIf(handle.IsClosed, socket);
        var fd = Descriptors.FromHandle(handle);
        InterestRules.Validate(interest);
        var registration = RegisterCore(new DescriptorIo(handle, fd, IoKind.Socket, leaveOpen ? null : socket, socket.SocketType == SocketType.Stream), interest);
        return new AsyncFd<Socket>(this, registration, socket);
    }

    /// <summary>
    /// Registers a raw descriptor, which the <see cref="AsyncFd"/> owns (closes) from now on unless
    /// <paramref name="leaveOpen"/>; it is switched to non-blocking mode. With <paramref name="leaveOpen"/>,
    /// dispose the AsyncFd before closing the descriptor. See <see cref="Register{THandle}(THandle, Interest, bool)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public AsyncFd Register(int fd, Interest interest, bool leaveOpen = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        InterestRules.Validate(interest);
        if (leaveOpen)
        {
            return new AsyncFd(this, RegisterCore(new DescriptorIo(null, fd, IoKind.Unknown, null), interest));
        }

        // Owned: a handle of its own, so that a read in flight keeps the number from being closed under it.
        var owner = new FileDescriptorHandle(fd);
        try
        {
            return new AsyncFd(this, RegisterCore(new DescriptorIo(owner, fd, IoKind.Unknown, owner), interest));
        }
        catch
        {
            owner.SetHandleAsInvalid(); // not taken: the caller keeps the descriptor
            throw;
        }
    }

    /// <summary>
    /// Registers an accepted socket that <paramref name="owner"/> closes with close(2) (a FIN; a
    /// SafeSocketHandle disposed without its Socket resets the connection): its reads and writes are recv
    /// and send, and no <see cref="Socket"/> is built for it (that costs six system calls).
    /// </summary>
    internal AsyncFd RegisterOwnedSocket(FileDescriptorHandle owner, Interest interest) =>
        new(this, RegisterCore(new DescriptorIo(owner, owner.Fd, IoKind.Socket, owner, streamSocket: true), interest)); // listeners accept only SOCK_STREAM

    /// <summary>
    /// Stops the loop thread (waiting for it, unless called on it), fails every pending await with
    /// <see cref="ObjectDisposedException"/>, and closes the kernel queue. Descriptors stay open until their
    /// AsyncFds are disposed. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping = true;
        var registered = _table.Close();
        _waker.Wake();
        if (!IsLoopThread)
        {
            _thread.Join();
        }

        foreach (var registration in registered)
        {
            registration?.Cell.Shut("The EventLoop is disposed.");
        }

        _waker.Dispose();
        _poll.Dispose();
    }

    /// <summary>As <see cref="Dispose"/>; the loop thread stops promptly, so this completes synchronously.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// An AsyncFd is disposed: out of the kernel (or, when <paramref name="closing"/> an owned descriptor on a
    /// backend where closing deregisters, out at its close), then out of the table: a late event of its token is
    /// dropped, as the slot's generation has moved on.
    /// </summary>
    internal void Release(IoRegistration registration, bool closing)
    {
        registration.Cell.StopArming();
        registration.Io.Deregister(_poll.Registry, closing);
        _table.Release(registration);
    }

    private static Poll CreatePoll(EventLoopOptions? options, EventQueueFactory? fallback)
    {
        var factory = options?.Factory
            ?? (options?.Backend is null ? fallback : null)
            ?? EventQueue.CreateFactory(new EventQueueOptions { Backend = options?.Backend });
        return factory.CreatePoll();
    }

    private IoRegistration RegisterCore(DescriptorIo io, Interest interest)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        var registration = new IoRegistration(io, interest, InlineContinuations, ErrorsOnlyInEvents);
        _table.Claim(registration, this);
        try
        {
            // Attached before the kernel hears of it: the first event may come at once.
            registration.Cell.Attach(
                Mode == PollMode.Oneshot ? new OneshotArming(_poll.Registry, io, registration.Token, interest) : null,
                io.IsOwned ? null : _watch);
            io.Register(_poll.Registry, registration.Token, interest, Mode);
        }
        catch
        {
            _table.Release(registration);
            throw;
        }

        try
        {
            io.MakeNonBlocking();
        }
        catch
        {
            Release(registration, closing: false);
            throw;
        }

        return registration;
    }

    private void Run()
    {
        _onLoopThreadStart?.Invoke();
        var lastSweep = Stopwatch.GetTimestamp();
        while (!_stopping)
        {
            try
            {
                _poll.Wait(_events, _watch.BeforeWait());
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _watch.AfterWait();
            Volatile.Write(ref _waits, _waits + 1);
            foreach (var e in _events)
            {
                if (e.Token.Value != WakerToken)
                {
                    Volatile.Write(ref _dispatched, _dispatched + 1);
                    _table.Find(e.Token)?.Cell.OnEvent(e.Readiness);
                }
            }

            if (_watch.IsActive && Stopwatch.GetElapsedTime(lastSweep) >= ClosedBehindWatch.Interval)
            {
                lastSweep = Stopwatch.GetTimestamp();
                FailClosedBehind();
            }

            RunEndOfDispatch(); // last: whatever ran on this thread above (handlers, the sweep) may have deferred work
        }
    }

    private sealed class EndOfDispatchScheduler(EventLoop loop) : PipeScheduler
    {
        public override void Schedule(Action<object?> action, object? state)
        {
            if (loop.IsLoopThread)
            {
                loop._endOfDispatch.Add((action, state));
            }
            else
            {
                action(state);
            }
        }
    }

    /// <summary>Runs the work deferred to the end of this iteration; work may defer more (a send resumes a flush, whose handler flushes again).</summary>
    private void RunEndOfDispatch()
    {
        for (var i = 0; i < _endOfDispatch.Count; i++)
        {
            var (work, state) = _endOfDispatch[i];
            work(state);
        }

        _endOfDispatch.Clear();
    }

    /// <summary>Ends the awaits of descriptors the library does not own that were closed behind its back.</summary>
    private void FailClosedBehind()
    {
        foreach (var registration in _table.Snapshot())
        {
            if (registration is { Io.IsOwned: false, Cell.HasWaiters: true, Io.IsClosedBehind: true })
            {
                registration.Cell.Shut($"Descriptor {registration.Io.Descriptor} was closed while it was registered with the event loop; dispose the AsyncFd before closing its descriptor.");
            }
        }
    }
}
