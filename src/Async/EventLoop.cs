using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Unix;
using Microsoft.Win32.SafeHandles;

namespace EporeX;

/// <summary>
/// A <see cref="Poll"/> and the one thread that waits on it, for async/await code: register a descriptor
/// (<see cref="Register(SafeHandle, Interest)"/>) and await its readiness, or read and write it, through
/// the <see cref="AsyncFd"/> it returns.
/// </summary>
/// <remarks>
/// <para>The loop thread only waits and dispatches: an event sets the descriptor's readiness and completes
/// the await that waits for it. The continuation runs on the thread pool, unless
/// <see cref="EventLoopOptions.InlineContinuations"/> asks for the loop thread itself.</para>
/// <para>Registration is thread-safe and takes effect while the loop thread waits. An event is matched to
/// its <see cref="AsyncFd"/> through a slot table indexed by the token, with a generation in the token's
/// high bits, so a late event of a disposed descriptor never reaches the descriptor that reuses its slot.</para>
/// <para><see cref="Dispose"/> stops the thread, fails every pending await with
/// <see cref="ObjectDisposedException"/> and closes the kernel queue; the registered descriptors stay open.</para>
/// </remarks>
public sealed class EventLoop : IDisposable, IAsyncDisposable
{
    /// <summary>The waker's token: above every slot token (a slot index never reaches 2^32 - 1).</summary>
    private const ulong WakerToken = ulong.MaxValue;

    /// <summary>How often the loop looks for descriptors closed behind its back while awaits are pending.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(250);

    private readonly Poll _poll;
    private readonly Waker _waker;
    private readonly Events _events;
    private readonly Thread _thread;
    private readonly Lock _gate = new();
    private AsyncFd?[] _slots = new AsyncFd?[16];
    private uint[] _generations = new uint[16];
    private readonly Stack<int> _free = new();
    private int _used;
    private int _count;
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
    public int Count => Volatile.Read(ref _count);

    /// <summary>True on the loop's own thread (inline continuations run there).</summary>
    public bool IsLoopThread => Thread.CurrentThread == _thread;

    internal PollMode Mode { get; }

    internal Registry Registry => _poll.Registry;

    /// <summary>EventLoopGroup metrics: the waits this loop's thread has completed.</summary>
    internal long Waits => Volatile.Read(ref _waits);

    /// <summary>EventLoopGroup metrics: the events it dispatched to descriptors (its waker's not counted).</summary>
    internal long DispatchedEvents => Volatile.Read(ref _dispatched);

    /// <summary>
    /// Registers a descriptor held by a handle (SafeFileHandle, SafePipeHandle, SafeSocketHandle…). A
    /// descriptor that is not a <see cref="SafeSocketHandle"/> is switched to non-blocking mode (O_NONBLOCK),
    /// which its reads and writes need; that flag belongs to the open file, so other holders of it see it too.
    /// </summary>
    /// <param name="handle">The handle; it is referenced only for each system call, so disposing it never blocks.</param>
    /// <param name="interest">The directions to await; at least one flag.</param>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="interest"/> is empty or unknown, or the handle is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed, or the loop is disposed.</exception>
    /// <exception cref="NotSupportedException">The backend cannot watch <paramref name="interest"/> (Priority on macOS's poll(2)…).</exception>
    /// <exception cref="AlreadyRegisteredException">The descriptor is already registered with this loop.</exception>
    /// <exception cref="InvalidDescriptorException">The descriptor is not open.</exception>
    /// <exception cref="UnsupportedDescriptorException">The backend cannot watch this kind of descriptor (a regular file on epoll).</exception>
    public AsyncFd Register(SafeHandle handle, Interest interest)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ValidateInterest(interest);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        var kind = handle is SafeSocketHandle ? AsyncFd.IoKind.Socket
            : handle is SafeFileHandle ? AsyncFd.IoKind.File
            : AsyncFd.IoKind.Unknown;
        var value = handle.DangerousGetHandle().ToInt64();
        if (handle.IsInvalid || value < 0 || value > int.MaxValue)
        {
            throw new ArgumentException($"The handle does not hold a descriptor (value {value}).", nameof(handle));
        }

        return RegisterCore(handle, (int)value, interest, kind);
    }

    /// <summary>Registers a socket; its reads and writes are recv and send (without SIGPIPE). See <see cref="Register(SafeHandle, Interest)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed, or the loop is.</exception>
    public AsyncFd Register(Socket socket, Interest interest)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return Register(socket.SafeHandle, interest);
    }

    /// <summary>
    /// Registers a raw descriptor that the caller owns; it is switched to non-blocking mode. Dispose the
    /// <see cref="AsyncFd"/> before closing the descriptor. See <see cref="Register(SafeHandle, Interest)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public AsyncFd Register(int fd, Interest interest)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        ValidateInterest(interest);
        return RegisterCore(null, fd, interest, AsyncFd.IoKind.Unknown);
    }

    /// <summary>
    /// Stops the loop thread (waiting for it, unless called on it), fails every pending await with
    /// <see cref="ObjectDisposedException"/>, and closes the kernel queue. Descriptors stay open. Calling
    /// it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AsyncFd?[] registered;
        int used;
        lock (_gate)
        {
            _stopping = true;
            registered = _slots;
            used = _used;
        }

        _waker.Wake();
        if (!IsLoopThread)
        {
            _thread.Join();
        }

        for (var i = 0; i < used; i++)
        {
            registered[i]?.ShutByLoop();
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

    /// <summary>Frees the slot of a disposed AsyncFd; its generation moves on, so its late events are dropped.</summary>
    internal void Release(AsyncFd fd)
    {
        lock (_gate)
        {
            var slot = fd.Slot;
            if (slot < 0 || !ReferenceEquals(_slots[slot], fd))
            {
                return;
            }

            Volatile.Write(ref _slots[slot], null);
            _generations[slot]++;
            _free.Push(slot);
            fd.Slot = -1;
            _count--;
        }
    }

    private static Poll CreatePoll(EventLoopOptions? options, EventQueueFactory? fallback)
    {
        var factory = options?.Factory
            ?? (options?.Backend is null ? fallback : null)
            ?? EventQueue.CreateFactory(new EventQueueOptions { Backend = options?.Backend });
        return factory.CreatePoll();
    }

    private static void ValidateInterest(Interest interest)
    {
        if (interest == 0 || (interest & ~(Interest.Readable | Interest.Writable | Interest.Priority)) != 0)
        {
            throw new ArgumentException($"Interest must be a non-empty combination of Readable, Writable and Priority; got {interest}.", nameof(interest));
        }
    }

    private AsyncFd RegisterCore(SafeHandle? handle, int fd, Interest interest, AsyncFd.IoKind kind)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        var asyncFd = new AsyncFd(this, handle, fd, interest, kind, oneshot: Mode == PollMode.Oneshot, InlineContinuations);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            Claim(asyncFd);
        }

        try
        {
            if (handle is not null)
            {
                _poll.Registry.Register(handle, asyncFd.Token, interest, Mode);
            }
            else
            {
                _poll.Registry.Register(fd, asyncFd.Token, interest, Mode);
            }
        }
        catch
        {
            Release(asyncFd);
            throw;
        }

        if (kind != AsyncFd.IoKind.Socket)
        {
            MakeNonBlocking(asyncFd, handle, fd);
        }

        return asyncFd;
    }

    private static void MakeNonBlocking(AsyncFd asyncFd, SafeHandle? handle, int fd)
    {
        int error;
        if (handle is null)
        {
            error = Libc.SetNonBlocking(fd);
        }
        else
        {
            using var reference = new HandleReference(handle);
            error = Libc.SetNonBlocking((int)reference.Value);
        }

        if (error != 0)
        {
            asyncFd.Dispose();
            throw new EventQueueException($"Descriptor {fd} could not be made non-blocking: fcntl failed with {Errno.Name(error)}.", error, fd);
        }
    }

    private void Claim(AsyncFd asyncFd)
    {
        int slot;
        if (_free.Count > 0)
        {
            slot = _free.Pop();
        }
        else
        {
            if (_used == _slots.Length)
            {
                // Copy and publish: the loop thread reads the table without the lock.
                var slots = new AsyncFd?[_slots.Length * 2];
                Array.Copy(_slots, slots, _used);
                Array.Resize(ref _generations, slots.Length);
                Volatile.Write(ref _slots, slots);
            }

            slot = _used++;
        }

        asyncFd.Slot = slot;
        asyncFd.Token = new Token(((ulong)_generations[slot] << 32) | (uint)slot);
        Volatile.Write(ref _slots[slot], asyncFd);
        if (_count++ == 0)
        {
            _waker.Wake(); // the loop may be blocked without a timeout: make it start its sweeps
        }
    }

    private void Run()
    {
        _onLoopThreadStart?.Invoke();
        var lastSweep = Stopwatch.GetTimestamp();
        while (!_stopping)
        {
            try
            {
                // While descriptors are registered, wake now and then to notice one closed behind the
                // library (the kernel forgets it without an event, and its await would never end).
                _poll.Wait(_events, Volatile.Read(ref _count) > 0 ? SweepInterval : null);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Volatile.Write(ref _waits, _waits + 1);
            foreach (var e in _events)
            {
                if (e.Token.Value != WakerToken)
                {
                    Volatile.Write(ref _dispatched, _dispatched + 1);
                    Dispatch(e);
                }
            }

            if (Stopwatch.GetElapsedTime(lastSweep) >= SweepInterval)
            {
                lastSweep = Stopwatch.GetTimestamp();
                Sweep();
            }
        }
    }

    private void Dispatch(Event e)
    {
        var slots = Volatile.Read(ref _slots);
        var slot = (uint)e.Token.Value;
        if (slot < (uint)slots.Length && Volatile.Read(ref slots[slot]) is { } asyncFd && asyncFd.Token == e.Token)
        {
            asyncFd.OnEvent(e.Readiness);
        }
    }

    private void Sweep()
    {
        var slots = Volatile.Read(ref _slots);
        for (var i = 0; i < slots.Length; i++)
        {
            Volatile.Read(ref slots[i])?.CheckClosedBehind();
        }
    }
}
