using System;
using System.Runtime.InteropServices;
using System.Threading;
using EporeX.Unix;

namespace EporeX.Fallback;

/// <summary>
/// The poll(2) backend, for any POSIX system: the registrations live in a managed table and a pollfd
/// array in native memory that is rebuilt only when they change; entry 0 of the array is a notification
/// pipe that wakes a blocked poll() when another thread changes a registration, wakes a waker, or
/// interrupts. A Wait costs O(registered descriptors) in the kernel and here: prefer epoll or kqueue
/// where they exist.
/// </summary>
/// <remarks>
/// A descriptor closed behind the queue's back is dropped without an event, as epoll forgets a closed
/// descriptor: poll() reports POLLNVAL for it, or (when its number was reused at once) its handle object
/// is closed; either way its slot goes quiet and the Registry can register the number again.
/// </remarks>
public sealed unsafe class PollEventQueue : IEventQueue
{
    private readonly Lock _gate = new();
    private readonly PollSet _set = new(Interop.Poll.RdHup);
    private readonly PollDeadlines _deadlines = new();
    private readonly bool _timerFd;
    private PollWaker[] _wakers = [];
    private int _wakerCount;
    private bool _polling;
    private volatile bool _interrupted;
    private int _disposed;

    /// <summary>Creates the queue and its notification pipe.</summary>
    /// <exception cref="EventQueueException">pipe failed (EMFILE…).</exception>
    public PollEventQueue()
        : this(timerFd: UnixFamily.IsLinux)
    {
    }

    /// <param name="timerFd">
    /// True: timers are timerfds in the pollfd set (Linux). False: timers are deadlines folded into poll()'s
    /// timeout, as on every other system; the tests use it to run that path on Linux too.
    /// </param>
    internal PollEventQueue(bool timerFd)
    {
        _timerFd = timerFd;
        Capabilities = new(Interop.Poll.Interests, Edge: false, Oneshot: true, RegularFiles: true)
        {
            Timers = true,
            ProcessExit = UnixFamily.IsLinux && LinuxLibc.HasPidFd,
        };
        try
        {
            Notifier = new PollNotifier();
        }
        catch
        {
            _set.Dispose();
            throw;
        }
    }

    /// <summary><c>poll</c>.</summary>
    public string Name => PollProvider.BackendName;

    /// <summary>
    /// Readable, Writable, and Priority where poll() reports out-of-band data (not on macOS); Level and
    /// Oneshot (poll(2) has no edge); regular files (always ready); timers everywhere; process exit on
    /// Linux 5.3+ (pidfd).
    /// </summary>
    public EventQueueCapabilities Capabilities { get; }

    internal PollNotifier Notifier { get; }

    /// <summary>The lock around the table and the delivery of a poll() result; event sources take it to change their state atomically with a delivery.</summary>
    internal Lock Gate => _gate;

    /// <summary>Adds <paramref name="fd"/> to the table; a Wait blocked in poll() wakes and polls it at once.</summary>
    /// <exception cref="InvalidDescriptorException"><paramref name="fd"/> is not open (poll(2) itself would not complain).</exception>
    public void Register(int fd, Registration registration)
    {
        if (!Libc.IsOpen(fd))
        {
            throw EventQueueErrors.NotOpen(fd, "Register", Errno.EBADF);
        }

        var readHangUp = Interop.Poll.RdHupOn(fd) != 0;
        lock (_gate)
        {
            _set.Add(fd, registration, readHangUp); // the Registry has ruled out a duplicate
            NotifyIfPolling();
        }
    }

    /// <inheritdoc />
    public void Reregister(int fd, Registration previous, Registration next)
    {
        var open = Libc.IsOpen(fd);
        var readHangUp = Interop.Poll.RdHupOn(fd) != 0;
        lock (_gate)
        {
            ThrowIfGone(fd, open, "Reregister");
            _set.Replace(fd, next, readHangUp);
            NotifyIfPolling();
        }
    }

    /// <inheritdoc />
    public void Deregister(int fd, Registration previous)
    {
        var open = Libc.IsOpen(fd);
        lock (_gate)
        {
            ThrowIfGone(fd, open, "Deregister");
            _set.Remove(fd);
            NotifyIfPolling();
        }
    }

    /// <summary>A slot that poll() found closed (POLLNVAL) is gone: the number may register again.</summary>
    public bool TryReplaceStale(int fd, Registration stale, Registration next)
    {
        var readHangUp = Interop.Poll.RdHupOn(fd) != 0;
        lock (_gate)
        {
            if (!_set.IsStale(fd))
            {
                return false;
            }

            _set.Replace(fd, next, readHangUp);
            NotifyIfPolling();
            return true;
        }
    }

    /// <inheritdoc />
    public int Wait(Span<Event> events, TimeSpan? timeout)
    {
        var wait = new PollWait(this, events);
        return KernelWait.Run(ref wait, timeout, "poll");
    }

    /// <inheritdoc />
    public void Interrupt()
    {
        _interrupted = true;
        Notifier.Notify();
    }

    /// <inheritdoc />
    public IEventQueueWaker CreateWaker(Token token)
    {
        var waker = new PollWaker(this, token);
        lock (_gate)
        {
            if (_wakerCount == _wakers.Length)
            {
                Array.Resize(ref _wakers, Math.Max(4, _wakerCount * 2));
            }

            _wakers[_wakerCount++] = waker;
        }

        return waker;
    }

    /// <summary>
    /// A timerfd in the pollfd set on Linux (<see cref="PollTimer"/>); elsewhere a deadline that the wait
    /// folds into poll()'s timeout (<see cref="PollDeadlineTimer"/>), so it fires within about a
    /// millisecond of its time, never before.
    /// </summary>
    public IEventQueueTimer CreateTimer(Token token) =>
        _timerFd ? new PollTimer(this, token) : new PollDeadlineTimer(this, token);

    /// <summary>A pidfd in the pollfd set (Linux 5.3+): see <see cref="PollProcessExit"/>.</summary>
    public IDisposable CreateProcessExit(Token token, int pid) =>
        Capabilities.ProcessExit ? new PollProcessExit(this, token, pid) : throw new NotSupportedException("The poll backend watches processes only on Linux 5.3+ (pidfd_open).");

    /// <summary>Closes the notification pipe and frees the pollfd array. <c>Poll.Dispose</c> calls it only once no Wait runs.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _interrupted = true;
        lock (_gate)
        {
            Notifier.Dispose();
            _set.Dispose();
            Array.Clear(_wakers);
            _wakerCount = 0;
        }
    }

    /// <summary>Adds a descriptor an event source owns; <paramref name="drain"/>, when given, is drained by the waiting thread before it reports the descriptor.</summary>
    internal void RegisterSource(int fd, Registration registration, IPollDrain? drain)
    {
        lock (_gate)
        {
            if (_set.Contains(fd))
            {
                throw EventQueueErrors.AlreadyRegistered(fd, Name);
            }

            _set.Add(fd, registration, readHangUp: false, drain);
            NotifyIfPolling();
        }
    }

    /// <summary>Arms (<paramref name="due"/> not null) or disarms a deadline timer; a Wait blocked in poll() takes the new deadline at once.</summary>
    internal void ChangeDeadline(PollDeadlineTimer timer, TimeSpan? due, TimeSpan? period)
    {
        lock (_gate)
        {
            if (due is { } d)
            {
                _deadlines.Arm(timer, d, period);
            }
            else
            {
                _deadlines.Disarm(timer);
            }

            NotifyIfPolling();
        }
    }

    internal long ConsumeDeadline(PollDeadlineTimer timer)
    {
        lock (_gate)
        {
            return _deadlines.Consume(timer);
        }
    }

    /// <summary>Removes an event source's descriptor; nothing when the queue is closed.</summary>
    internal void RemoveSource(int fd)
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _disposed) == 0 && _set.Remove(fd))
            {
                NotifyIfPolling();
            }
        }
    }

    internal void RemoveWaker(PollWaker waker)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_wakers, waker, 0, _wakerCount);
            if (index < 0)
            {
                return;
            }

            _wakers[index] = _wakers[--_wakerCount];
            _wakers[_wakerCount] = null!;
        }
    }

    /// <summary>
    /// One poll() over the current set with what is left of the timeout, for <see cref="KernelWait"/>: the
    /// events delivered, 0 when the whole timeout passed or the queue was interrupted, -1 with errno set
    /// when poll() failed, or <see cref="KernelWait.Resume"/> when there is nothing to report yet.
    /// </summary>
    private int WaitOnce(Span<Event> events, WaitTimeout left)
    {
        if (_interrupted)
        {
            return 0;
        }

        var milliseconds = left.Milliseconds;
        var entries = BeginPoll(ref milliseconds, out var entryCount);
        var n = Interop.Poll.Call(entries, entryCount, milliseconds);
        var errno = n < 0 ? Errno.Last : 0;
        var delivered = EndPoll(events, entries, n);
        if (n < 0)
        {
            if (errno == Errno.EAGAIN)
            {
                return KernelWait.Resume; // the kernel lacked memory for a moment (the BSDs, macOS): poll again
            }

            Marshal.SetLastPInvokeError(errno); // what EndPoll called in between must not change the errno KernelWait reads
            return -1;
        }

        if (delivered > 0 || _interrupted || (n == 0 && milliseconds == left.Milliseconds))
        {
            return delivered; // events, or the whole timeout passed, or Dispose interrupted the wait
        }

        // Nothing to report yet: a registration changed (poll again over the new set), a wake or timer
        // deadline shortened the timeout, or every result was dropped; go on with the time that is left.
        return KernelWait.Resume;
    }

    /// <summary>
    /// Readies the pollfd array for one poll() (rebuilt if the table changed) and shortens the timeout for
    /// a pending wake (0) or the earliest timer deadline. From here until <see cref="EndPoll"/>, a change on
    /// another thread writes to the notification pipe.
    /// </summary>
    private Interop.PollFd* BeginPoll(ref int milliseconds, out int entryCount)
    {
        lock (_gate)
        {
            if (_set.Dirty)
            {
                _set.Rebuild(Notifier.ReadFd);
            }

            if (AnyWakerPending())
            {
                milliseconds = 0;
            }
            else if (_deadlines.Count > 0)
            {
                milliseconds = _deadlines.Clamp(milliseconds);
            }

            entryCount = _set.EntryCount;
            _polling = true;
            return _set.Entries;
        }
    }

    /// <summary>
    /// Turns poll()'s result (<paramref name="n"/> ready entries, or -1) into events: wakes, due timers,
    /// then descriptors from the rotating cursor. Always ends the polling state, whatever poll() returned.
    /// </summary>
    private int EndPoll(Span<Event> events, Interop.PollFd* entries, int n)
    {
        var notified = n > 0 && entries[0].Revents != 0;
        if (notified)
        {
            Notifier.Acknowledge();
        }

        lock (_gate)
        {
            _polling = false;
            if (n < 0 || _interrupted)
            {
                return 0;
            }

            var delivered = DeliverWakes(events);
            if (_deadlines.Count > 0)
            {
                delivered = _deadlines.Deliver(events, delivered);
            }

            return _set.Deliver(events, delivered, n - (notified ? 1 : 0));
        }
    }

    /// <summary>Wakes a blocked poll() so that it polls the changed set; without one, the next Wait rebuilds anyway.</summary>
    private void NotifyIfPolling()
    {
        if (_polling)
        {
            Notifier.Notify();
        }
    }

    /// <summary>
    /// Refuses a change to a descriptor that is closed (as epoll's EBADF) or that poll() found closed and
    /// whose number now names another descriptor (as epoll's ENOENT), and forgets it, as the Registry does.
    /// </summary>
    private void ThrowIfGone(int fd, bool open, string operation)
    {
        if (!_set.Contains(fd))
        {
            throw EventQueueErrors.NotRegistered(fd, Name, operation);
        }

        if (open && !_set.IsStale(fd))
        {
            return;
        }

        _set.Remove(fd);
        NotifyIfPolling();
        throw open ? EventQueueErrors.NotRegistered(fd, Name, operation) : EventQueueErrors.NotOpen(fd, operation, Errno.EBADF);
    }

    private bool AnyWakerPending()
    {
        for (var i = 0; i < _wakerCount; i++)
        {
            if (_wakers[i].IsPending)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One readable event per waker woken since the last report, as far as the buffer holds; the rest stay pending.</summary>
    private int DeliverWakes(Span<Event> events)
    {
        var delivered = 0;
        for (var i = 0; i < _wakerCount && delivered < events.Length; i++)
        {
            var waker = _wakers[i];
            if (waker.TakePending())
            {
                events[delivered++] = new Event(waker.Token, Readiness.Readable);
            }
        }

        return delivered;
    }

    /// <summary>One poll() of this queue into the caller's events, for <see cref="KernelWait"/>.</summary>
    private readonly ref struct PollWait : IKernelWait
    {
        private readonly PollEventQueue _queue;
        private readonly Span<Event> _events;

        public PollWait(PollEventQueue queue, Span<Event> events)
        {
            _queue = queue;
            _events = events;
        }

        public int WaitOnce(WaitTimeout left) => _queue.WaitOnce(_events, left);
    }
}
