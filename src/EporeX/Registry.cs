using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// Adds, changes and removes the descriptors a <see cref="Poll"/> watches. Thread-safe and shareable: any
/// thread may call it while another thread is blocked in <see cref="Poll.Wait(Events, TimeSpan?)"/>, and
/// the change applies to that wait.
/// </summary>
/// <remarks>
/// <para>The registry keeps the set of registered descriptors itself, so that the same mistake fails the
/// same way on every backend: registering a descriptor twice throws <see cref="AlreadyRegisteredException"/>;
/// reregistering or deregistering one that is not registered throws <see cref="NotRegisteredException"/>.
/// A failed call leaves the queue as it was.</para>
/// <para>No reference on a handle is held beyond the native call, so disposing a registered
/// <see cref="Socket"/> never blocks. Closing a registered descriptor deregisters it implicitly on every
/// backend: it is never reported again (not even for a new descriptor that reuses its number; on epoll,
/// unless the file has a duplicate, which keeps epoll reporting it under the old token), and that number
/// can be registered again. Raw <see cref="int"/> descriptors cannot be tracked that way:
/// deregister them before you close them (epoll and kqueue also recognise a closed raw descriptor by asking
/// the kernel; poll(2) cannot).</para>
/// </remarks>
/// <example>
/// A <see cref="Socket"/>, any <see cref="SafeHandle"/> and a raw descriptor, each under its own token:
/// <code>
/// var registry = poll.Registry;         // or services.GetRequiredService&lt;Registry&gt;()
/// registry.Register(socket, new Token(1), Interest.Readable | Interest.Writable, PollMode.Edge);
/// registry.Register(serialPortHandle, new Token(2), Interest.Readable);
/// registry.Register(timerFd, new Token(3), Interest.Readable);
///
/// // stop watching Writable; then deregister a raw descriptor before closing it
/// registry.Reregister(socket, new Token(1), Interest.Readable, PollMode.Edge);
/// registry.Deregister(timerFd);
/// </code>
/// </example>
public sealed class Registry
{
    private readonly IEventQueue _queue;
    private readonly Dictionary<int, Registration> _registered = new();
    private readonly Lock _gate = new();
    private bool _closed;

    internal Registry(IEventQueue queue)
    {
        _queue = queue;
        Backend = queue.Name;
        Capabilities = queue.Capabilities;
        EventQueueMetrics.Track(this);
    }

    /// <summary>The backend's name: <c>epoll</c>, <c>kqueue</c>, <c>poll</c>, or a third party's.</summary>
    public string Backend { get; }

    /// <summary>The interests and modes this backend supports.</summary>
    public EventQueueCapabilities Capabilities { get; }

    /// <summary>How many descriptors are registered (closed ones that were never deregistered included).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _registered.Count;
            }
        }
    }

    /// <summary>Registers a descriptor held by a handle object (SafeSocketHandle, SafeFileHandle, SafePipeHandle…).</summary>
    /// <param name="handle">The handle; it is referenced only for the length of the call.</param>
    /// <param name="token">The token events for this descriptor will carry.</param>
    /// <param name="interest">What to be told about; at least one flag.</param>
    /// <param name="mode">How often to be told; <see cref="PollMode.Level"/> by default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ArgumentException">The handle is invalid, or <paramref name="interest"/> is empty or unknown.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed, or the Poll is disposed.</exception>
    /// <exception cref="NotSupportedException">The backend cannot honour <paramref name="interest"/> or <paramref name="mode"/>.</exception>
    /// <exception cref="AlreadyRegisteredException">The descriptor is already registered.</exception>
    /// <exception cref="InvalidDescriptorException">The descriptor is not open.</exception>
    /// <exception cref="UnsupportedDescriptorException">The backend cannot watch this kind of descriptor (epoll and a regular file).</exception>
    public void Register(SafeHandle handle, Token token, Interest interest, PollMode mode = PollMode.Level)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Validate(interest, mode);
        using var reference = new HandleReference(handle);
        RegisterCore(Descriptors.FromHandle(handle), new Registration(token, interest, mode, handle));
    }

    /// <summary>Registers a socket. See <see cref="Register(SafeHandle, Token, Interest, PollMode)"/>.</summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed, or the Poll is disposed.</exception>
    public void Register(Socket socket, Token token, Interest interest, PollMode mode = PollMode.Level) =>
        Register(SocketHandle(socket), token, interest, mode);

    /// <summary>
    /// Registers a raw descriptor that the caller owns. Deregister it before closing it. See
    /// <see cref="Register(SafeHandle, Token, Interest, PollMode)"/> for the errors.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public void Register(int fd, Token token, Interest interest, PollMode mode = PollMode.Level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        Validate(interest, mode);
        RegisterCore(fd, new Registration(token, interest, mode));
    }

    /// <summary>
    /// Changes the token, interest or mode of a registered descriptor, and re-arms a oneshot registration
    /// that has fired.
    /// </summary>
    /// <exception cref="NotRegisteredException">The descriptor is not registered.</exception>
    /// <remarks>Other errors as for <see cref="Register(SafeHandle, Token, Interest, PollMode)"/>.</remarks>
    public void Reregister(SafeHandle handle, Token token, Interest interest, PollMode mode = PollMode.Level)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Validate(interest, mode);
        using var reference = new HandleReference(handle);
        ReregisterCore(Descriptors.FromHandle(handle), new Registration(token, interest, mode, handle));
    }

    /// <summary>Changes a registered socket. See <see cref="Reregister(SafeHandle, Token, Interest, PollMode)"/>.</summary>
    public void Reregister(Socket socket, Token token, Interest interest, PollMode mode = PollMode.Level) =>
        Reregister(SocketHandle(socket), token, interest, mode);

    /// <summary>Changes a registered raw descriptor. See <see cref="Reregister(SafeHandle, Token, Interest, PollMode)"/>.</summary>
    public void Reregister(int fd, Token token, Interest interest, PollMode mode = PollMode.Level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        Validate(interest, mode);
        ReregisterCore(fd, new Registration(token, interest, mode));
    }

    /// <summary>Stops watching a descriptor. No event for it is delivered by a wait that starts afterwards.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed (closing deregistered it), or the Poll is disposed.</exception>
    /// <exception cref="NotRegisteredException">The descriptor is not registered.</exception>
    public void Deregister(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reference = new HandleReference(handle);
        DeregisterCore(Descriptors.FromHandle(handle), tellKernel: true);
    }

    /// <summary>Stops watching a socket. See <see cref="Deregister(SafeHandle)"/>.</summary>
    public void Deregister(Socket socket) => Deregister(SocketHandle(socket));

    /// <summary>
    /// Stops watching a descriptor that the caller closes next, as <see cref="Deregister(SafeHandle)"/>; but
    /// where closing removes the registration by itself (<see cref="EventQueueCapabilities.CloseDeregisters"/>:
    /// epoll), the kernel is not asked, and the close does it. A server that closes every connection it
    /// accepted saves one system call per connection (the .NET socket engine never deregisters either).
    /// </summary>
    /// <remarks>
    /// Until the descriptor is closed, and after it if its file lives on in a duplicate (dup, a child
    /// process), a wait may still report the old token: use tokens that are not reused at once (a slot
    /// and a generation), or call <see cref="Deregister(SafeHandle)"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The handle is closed (closing deregistered it), or the Poll is disposed.</exception>
    /// <exception cref="NotRegisteredException">The descriptor is not registered.</exception>
    public void DeregisterBeforeClose(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var reference = new HandleReference(handle);
        DeregisterCore(Descriptors.FromHandle(handle), tellKernel: !Capabilities.CloseDeregisters);
    }

    /// <summary>Stops watching a raw descriptor. See <see cref="Deregister(SafeHandle)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public void Deregister(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        DeregisterCore(fd, tellKernel: true);
    }

    /// <summary>True when <paramref name="fd"/> is registered with this queue.</summary>
    public bool IsRegistered(int fd)
    {
        lock (_gate)
        {
            return _registered.TryGetValue(fd, out var registration) && !registration.IsOwnerClosed;
        }
    }

    internal IEventQueueWaker CreateWaker(Token token)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            return _queue.CreateWaker(token);
        }
    }

    /// <summary>Disposes a waker in step with the queue, so that it never touches a queue being closed.</summary>
    internal void DisposeWaker(IEventQueueWaker waker)
    {
        lock (_gate)
        {
            waker.Dispose();
        }
    }

    internal IEventQueueTimer CreateTimer(Token token)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            return Capabilities.Timers ? _queue.CreateTimer(token) : throw SourceNotSupported("timers (TimerSource)", Backend, "Timers");
        }
    }

    internal IDisposable CreateProcessExit(Token token, int pid)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            return Capabilities.ProcessExit ? _queue.CreateProcessExit(token, pid) : throw SourceNotSupported("process exits (ProcessExitSource)", Backend, "ProcessExit");
        }
    }

    /// <summary>Arms or disarms (null <paramref name="due"/>) a timer in step with the queue, so that it never touches a queue being closed.</summary>
    internal void ChangeTimer(IEventQueueTimer timer, TimeSpan? due, TimeSpan? period)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            if (due is { } d)
            {
                timer.Arm(d, period);
            }
            else
            {
                timer.Disarm();
            }
        }
    }

    /// <summary>Disposes a source's backend part in step with the queue, so that it never touches a queue being closed.</summary>
    internal void DisposeSource(IDisposable source)
    {
        lock (_gate)
        {
            source.Dispose();
        }
    }

    /// <summary>Refuses every later call; the first step of <see cref="Poll.Dispose"/>.</summary>
    internal void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    /// <summary>Closes the kernel queue; the last step of <see cref="Poll.Dispose"/>, once no wait runs.</summary>
    internal void DisposeQueue()
    {
        lock (_gate)
        {
            _registered.Clear();
            EventQueueMetrics.Untrack(this);
            _queue.Dispose();
        }
    }

    private void RegisterCore(int fd, Registration next)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            if (_registered.TryGetValue(fd, out var existing))
            {
                if (existing.IsOwnerClosed)
                {
                    // Its handle was closed without deregistering, and the number now names another
                    // descriptor: the old registration is gone, not duplicated.
                    ForgetStale(fd, existing);
                }
                else if (_queue.TryReplaceStale(fd, existing, next))
                {
                    _registered[fd] = next;
                    return;
                }
                else
                {
                    throw EventQueueErrors.AlreadyRegistered(fd, Backend);
                }
            }

            _queue.Register(fd, next);
            _registered.Add(fd, next);
        }
    }

    private void ReregisterCore(int fd, Registration next)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            var previous = Registered(fd, "Reregister");
            try
            {
                _queue.Reregister(fd, previous, next);
            }
            catch (EventQueueException e) when (e is NotRegisteredException or InvalidDescriptorException)
            {
                _registered.Remove(fd); // the kernel no longer has it: it was closed behind our back
                throw;
            }

            _registered[fd] = next;
        }
    }

    private void DeregisterCore(int fd, bool tellKernel)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            var previous = Registered(fd, "Deregister");
            try
            {
                if (tellKernel)
                {
                    _queue.Deregister(fd, previous);
                }
            }
            catch (EventQueueException e) when (e is NotRegisteredException or InvalidDescriptorException)
            {
                _registered.Remove(fd);
                throw;
            }

            _registered.Remove(fd);
        }
    }

    private Registration Registered(int fd, string operation)
    {
        if (!_registered.TryGetValue(fd, out var previous))
        {
            throw EventQueueErrors.NotRegistered(fd, Backend, operation);
        }

        if (previous.IsOwnerClosed)
        {
            ForgetStale(fd, previous);
            throw EventQueueErrors.NotRegistered(fd, Backend, operation);
        }

        return previous;
    }

    private void ForgetStale(int fd, Registration stale)
    {
        try
        {
            _queue.Deregister(fd, stale);
        }
        catch (EventQueueException)
        {
            // expected: the kernel forgot it when it was closed (ENOENT, EBADF)
        }

        _registered.Remove(fd);
    }

    private void Validate(Interest interest, PollMode mode)
    {
        InterestRules.Validate(interest);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown PollMode.");
        }

        if (!Capabilities.Supports(interest))
        {
            throw EventQueueErrors.InterestNotSupported(interest & ~Capabilities.Interests, Backend, Capabilities);
        }

        if (!Capabilities.Supports(mode))
        {
            throw EventQueueErrors.Mode(mode, Backend, Capabilities);
        }
    }

    /// <summary>The refusal of an event source by a backend without the hook; the core's own, since only it creates sources.</summary>
    private static NotSupportedException SourceNotSupported(string what, string backend, string capability) =>
        new($"The {backend} backend does not host {what}: EventQueueCapabilities.{capability} is false for it. epoll, kqueue and poll(2) host every event source.");

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(_closed, typeof(Poll));

    private static SafeSocketHandle SocketHandle(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.SafeHandle;
    }
}
