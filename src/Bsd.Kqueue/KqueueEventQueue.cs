using System;
using System.Runtime.InteropServices;
using System.Threading;
using EporeX.Unix;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// The kqueue backend: one kqueue (close-on-exec), every Register/Reregister/Deregister as one batched
/// kevent call with EV_RECEIPT (so each change reports its own result), and waits by kevent into a native
/// event buffer that is allocated once and grown. <see cref="KeventDelivery"/> says how kevents become events.
/// </summary>
public sealed unsafe class KqueueEventQueue : IEventQueue
{
    private const ulong InterruptIdent = KeventDelivery.InterruptIdent;

    private readonly KqueuePlatform _platform;
    private readonly KeventLayout _layout;
    private readonly FileDescriptorHandle _kqueue;
    private readonly bool _userFilter;
    private readonly WakePipe? _interruptPipe; // where the kernel has no EVFILT_USER

    private readonly KeventDelivery _delivery;
    private readonly LibKqueueSurplus? _surplus;
    private readonly KqueueTimerTable _timers = new();
    private readonly DescriptorIdentities? _identities;
    private readonly long _maxWaitTicks;
    private EventBuffer _buffer;
    private long _nextWakerIdent;
    private int _disposed;
    private volatile bool _interrupted; // set by Interrupt: a wait that finds only dropped kevents returns

    /// <summary>Creates a kqueue for this OS's platform and its interrupt.</summary>
    /// <exception cref="PlatformNotSupportedException">kqueue is not known on this OS.</exception>
    /// <exception cref="EventQueueException">kqueue() or the interrupt's registration failed.</exception>
    public KqueueEventQueue()
        : this(KqueuePlatform.Current ?? throw new PlatformNotSupportedException(KqueuePlatform.Unavailable))
    {
    }

    internal KqueueEventQueue(KqueuePlatform platform)
    {
        _platform = platform;
        _layout = platform.Layout;
        _identities = platform.KeepsKnotesOfClosedDescriptors ? new DescriptorIdentities() : null;
        _maxWaitTicks = platform.MaxWaitMilliseconds is { } cap ? cap * TimeSpan.TicksPerMillisecond : long.MaxValue;
        var kq = Interop.Kqueue.Create();
        if (kq < 0)
        {
            throw EventQueueErrors.Kernel("kqueue", Errno.Last);
        }

        // No kqueue1(O_CLOEXEC) on macOS: set it at once (as the runtime itself does for its own kqueue).
        _kqueue = new FileDescriptorHandle(kq);
        try
        {
            var error = Libc.SetCloseOnExec(kq);
            if (error != 0)
            {
                throw EventQueueErrors.Kernel("fcntl(kqueue, FD_CLOEXEC)", kq, error);
            }

            _userFilter = platform.UserFilter is { } user && TryAddUserEvent(user, InterruptIdent, EV_ADD, 0);
            _delivery = new KeventDelivery(platform, _userFilter)
            {
                Timers = _timers,
                ConfirmReadClosed = platform.ConfirmsReadEof ? LibKqueueReadEof.IsConfirmed : null,
            };
            _surplus = platform.KeepsSurplus ? new LibKqueueSurplus() : null;
            if (!_userFilter)
            {
                _interruptPipe = new WakePipe();
                _delivery.SetKind(_interruptPipe.ReadFd, DescriptorKind.InterruptPipe);
                error = ApplyOne((ulong)_interruptPipe.ReadFd, _platform.ReadFilter, EV_ADD | EV_RECEIPT, 0, 0);
                if (error != 0)
                {
                    throw EventQueueErrors.Kernel("kevent(EV_ADD, interrupt pipe)", _interruptPipe.ReadFd, error);
                }
            }
        }
        catch
        {
            _interruptPipe?.Dispose();
            CloseKqueue();
            throw;
        }
    }

    /// <summary><c>kqueue</c>.</summary>
    public string Name => KqueueProvider.BackendName;

    /// <summary>Readable and Writable (no Priority filter is used); every mode; regular files where the OS reports them always ready (not on macOS, not over libkqueue).</summary>
    public EventQueueCapabilities Capabilities =>
        new(Interest.Readable | Interest.Writable, Edge: true, Oneshot: true, RegularFiles: !_platform.RefusesRegularFiles)
        {
            ShortReadDrains = _platform.ShortReadDrains,
            Timers = true,
            ProcessExit = !SourceFilters.ProcessByPidFd || LinuxLibc.HasPidFd,
        };

    /// <summary>The filters of the event sources on this OS.</summary>
    internal KqueueSourceFilters SourceFilters => _delivery.SourceFilters;

    internal KqueuePlatform Platform => _platform;

    internal bool UsesUserFilter => _userFilter;

    internal bool IsClosed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    public void Register(int fd, Registration registration)
    {
        var file = CheckFile(fd);
        Span<KeventChange> changes = stackalloc KeventChange[KqueueTranslation.MaxChanges];
        var n = KqueueTranslation.Changes(_platform, 0, PollMode.Level, registration.Interest, registration.Mode, changes);
        _delivery.Arm(fd, registration.Token, KqueueTranslation.IsOneshot(registration.Mode));
        try
        {
            Apply(fd, changes[..n], registration.Token.Value, "kevent(EV_ADD)", rollBackAdds: true);
        }
        catch (EventQueueException)
        {
            _delivery.Disarm(fd);
            throw;
        }

        SetOwner(fd, registration.Owner);
        _identities?.Set(fd, file);
    }

    /// <inheritdoc />
    public void Reregister(int fd, Registration previous, Registration next)
    {
        Span<KeventChange> changes = stackalloc KeventChange[KqueueTranslation.MaxChanges];
        var n = KqueueTranslation.Changes(_platform, previous.Interest, previous.Mode, next.Interest, next.Mode, changes);
        _delivery.Arm(fd, next.Token, KqueueTranslation.IsOneshot(next.Mode));
        try
        {
            Apply(fd, changes[..n], next.Token.Value, "kevent(reregister)", rollBackAdds: false);
        }
        catch (EventQueueException e) when (e is NotRegisteredException or InvalidDescriptorException)
        {
            SetOwner(fd, null);
            throw;
        }

        SetOwner(fd, next.Owner);
    }

    /// <inheritdoc />
    public void Deregister(int fd, Registration previous)
    {
        Span<KeventChange> changes = stackalloc KeventChange[KqueueTranslation.MaxChanges];
        var n = KqueueTranslation.Changes(_platform, previous.Interest, previous.Mode, 0, previous.Mode, changes);
        try
        {
            Apply(fd, changes[..n], 0, "kevent(EV_DELETE)", rollBackAdds: false);
        }
        finally
        {
            // Gone from the kernel or not, the library forgets it (the Registry drops it on these errors).
            Forget(fd);
        }
    }

    /// <summary>
    /// Tells a duplicate from a stale registration, as epoll does. A descriptor registered through a handle
    /// that is still open is the same descriptor, and a oneshot registration that has reported is still
    /// registered (Reregister re-arms it): both are duplicates. Only a raw descriptor can have been closed
    /// behind the library's back. A BSD kernel drops a descriptor's knotes when it is closed, so EV_ENABLE
    /// (a no-op on a live knote: EporeX never disables one) answers ENOENT once they are gone. libkqueue
    /// keeps them, so there the file the number names now is compared with the one registered (statx):
    /// another file means the old one was closed; its knotes are deleted. Then the number is registered
    /// afresh.
    /// </summary>
    public bool TryReplaceStale(int fd, Registration stale, Registration next)
    {
        if (!CouldBeStale(stale, _delivery.HasFired(fd)))
        {
            return false;
        }

        if (_identities is not null)
        {
            if (!DescriptorIdentities.IsAnotherFile(_identities.Get(fd), Interop.LinuxStat.Identify(fd)))
            {
                return false;
            }

            DeleteStale(fd, stale);
        }
        else if (!KnotesGone(fd, stale))
        {
            return false;
        }

        Register(fd, next);
        return true;
    }

    /// <summary>
    /// Whether a registration the library still holds may belong to a closed descriptor: only one made
    /// through a raw number (a handle that is still open names the same descriptor), and not a oneshot one
    /// that has <paramref name="fired"/> (its knotes are gone because they reported, not because of a close).
    /// </summary>
    internal static bool CouldBeStale(Registration stale, bool fired) =>
        stale.Owner is null && !(fired && KqueueTranslation.IsOneshot(stale.Mode));

    /// <inheritdoc />
    public int Wait(Span<Event> events, TimeSpan? timeout)
    {
        // kevent may return only kevents that yield no event (the other knote of a oneshot registration
        // that has reported, a descriptor deregistered or closed meanwhile, a timer re-armed): then the
        // wait goes on with the time that is left, so that 0 still means the timeout passed.
        var left = WaitTimeout.Start(timeout);
        while (true)
        {
            int n, delivered;
            if (_surplus is { } surplus)
            {
                delivered = WaitKeepingSurplus(surplus, events, left.Timeout, out n);
            }
            else
            {
                var changesBefore = _delivery.Changes;
                var wait = new KqueueWait(this, _buffer.Reserve(events.Length, _layout.Size), events.Length);
                n = KernelWait.Run(ref wait, left.Timeout, "kevent(wait)");
                delivered = _delivery.Deliver(wait.Buffer, n, events, changesBefore);
            }

            if (delivered > 0 || n == 0 || _interrupted)
            {
                return delivered;
            }

            left = left.Remaining();
            if (left.Timeout == TimeSpan.Zero)
            {
                return 0;
            }
        }
    }

    /// <inheritdoc />
    public void Interrupt()
    {
        if (IsClosed)
        {
            return;
        }

        _interrupted = true;

        if (_userFilter)
        {
            TriggerUserEvent(InterruptIdent, 0);
        }
        else
        {
            _interruptPipe?.Write();
        }
    }

    /// <inheritdoc />
    public IEventQueueWaker CreateWaker(Token token) =>
        _userFilter ? new KqueueUserWaker(this, (ulong)Interlocked.Increment(ref _nextWakerIdent), token) : new KqueuePipeWaker(this, token);

    /// <summary>An EVFILT_TIMER knote (<see cref="KqueueTimer"/>).</summary>
    public IEventQueueTimer CreateTimer(Token token) => new KqueueTimer(this, _timers, token);

    /// <summary>EVFILT_PROC, or a pidfd on libkqueue (<see cref="KqueueProcessExit"/>).</summary>
    public IDisposable CreateProcessExit(Token token, int pid) => new KqueueProcessExit(this, token, pid);

    /// <summary>Closes the kqueue (and the interrupt pipe where there is one) and frees the event buffer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _interruptPipe?.Dispose();
        CloseKqueue();
        _buffer.Free();
    }

    /// <summary>Adds an EVFILT_USER event; false when this kernel has no EVFILT_USER (EINVAL), throws on anything else.</summary>
    internal bool TryAddUserEvent(int userFilter, ulong ident, uint flags, ulong udata)
    {
        var error = ApplyOne(ident, userFilter, flags | EV_RECEIPT, 0, udata);
        if (error == Errno.EBADF && _platform.UserEventMasksErrno)
        {
            error = LibKqueueUserEventErrno.Of(_kqueue.Fd, error);
        }

        return error == 0 || (error == Errno.EINVAL ? false : throw EventQueueErrors.Kernel("kevent(EV_ADD, EVFILT_USER)", error));
    }

    /// <summary>
    /// NOTE_TRIGGER on an EVFILT_USER event: never blocks; triggers before a wait collapse into one event.
    /// <paramref name="udata"/> must be the event's own: every change to an existing knote, a trigger too,
    /// replaces its udata (FreeBSD's and xnu's kqueue_register/kevent_register), as mio's waker knows.
    /// </summary>
    internal void TriggerUserEvent(ulong ident, ulong udata)
    {
        HandleReference reference;
        try
        {
            reference = new HandleReference(_kqueue);
        }
        catch (ObjectDisposedException)
        {
            return; // the Poll is gone: nothing waits on this kqueue any more, so a wake has nothing to do
        }

        using var held = reference;
        var change = stackalloc ulong[KeventLayout.MaxWords];
        _layout.Write((byte*)change, ident, _platform.UserFilter!.Value, 0, NOTE_TRIGGER, udata);

        // EINTR is tried again, not taken as done: libkqueue raises the trigger with a write(2) to the
        // knote's eventfd and returns EINTR when that write was interrupted, before anything was raised
        // (a lost wake, found by tests/EporeX.Tests/Faults). A repeated trigger costs nothing: triggers
        // before a wait collapse into one event.
        while (Interop.Kqueue.Kevent(_platform, _kqueue.Fd, change, 1, null, 0, null) < 0)
        {
            var errno = Errno.Last;
            if (errno != Errno.EINTR)
            {
                throw EventQueueErrors.Kernel("kevent(NOTE_TRIGGER)", errno);
            }
        }
    }

    /// <summary>One change with a receipt; returns its errno (0 on success).</summary>
    internal int ApplyOne(ulong ident, int filter, uint flags, uint fflags, ulong udata, long data = 0)
    {
        var change = stackalloc ulong[KeventLayout.MaxWords];
        var receipt = stackalloc ulong[KeventLayout.MaxWords];
        _layout.Write((byte*)change, ident, filter, flags, fflags, udata, data);
        var zero = default(Timespec); // change-only calls must never block: a null timeout would wait for an event
        var n = Interop.Kqueue.Kevent(_platform, _kqueue.Fd, change, 1, receipt, 1, &zero);
        if (n < 0)
        {
            return Errno.Last;
        }

        var result = _layout.Read((byte*)receipt);
        return n == 1 && (result.Flags & EV_ERROR) != 0 ? (int)result.Data : 0;
    }

    internal void SetKind(int fd, DescriptorKind kind) => _delivery.SetKind(fd, kind);

    /// <summary>
    /// Runs the changes in one kevent call and throws the first refusal. A failed Register deletes the
    /// filters it did add, so the queue stays as it was.
    /// </summary>
    private void Apply(int fd, ReadOnlySpan<KeventChange> changes, ulong udata, string operation, bool rollBackAdds)
    {
        if (changes.IsEmpty)
        {
            return;
        }

        var receipts = stackalloc ulong[KqueueTranslation.MaxChanges * KeventLayout.MaxWords];
        var n = Submit(fd, changes, udata, receipts);
        if (n < 0)
        {
            throw Error(fd, operation, changes[0], Errno.Last);
        }

        Span<bool> added = stackalloc bool[KqueueTranslation.MaxChanges];
        var failed = FirstRefusal(changes, receipts, n, added, out var errno);
        if (failed < 0)
        {
            return;
        }

        if (rollBackAdds)
        {
            RollBack(fd, changes, added);
        }

        throw Error(fd, operation, changes[failed], errno);
    }

    /// <summary>
    /// Writes the changes and runs them in one kevent call whose event list is exactly as long as the change
    /// list (libkqueue drops receipts from a longer one); returns kevent's result (-1: errno says why).
    /// </summary>
    private int Submit(int fd, ReadOnlySpan<KeventChange> changes, ulong udata, ulong* receipts)
    {
        var list = stackalloc ulong[KqueueTranslation.MaxChanges * KeventLayout.MaxWords];
        var size = _layout.Size;
        for (var i = 0; i < changes.Length; i++)
        {
            var c = changes[i];
            _layout.Write((byte*)list + (i * size), (ulong)fd, c.Filter, c.Flags, c.Fflags, udata);
        }

        var zero = default(Timespec);
        return Interop.Kqueue.Kevent(_platform, _kqueue.Fd, list, changes.Length, receipts, changes.Length, &zero);
    }

    /// <summary>
    /// Reads the <paramref name="n"/> receipts of <see cref="Submit"/>: returns the index of the first change
    /// the kernel refused (-1: none) with its errno, and marks in <paramref name="added"/> each change that
    /// added a filter.
    /// </summary>
    private int FirstRefusal(ReadOnlySpan<KeventChange> changes, ulong* receipts, int n, Span<bool> added, out int errno)
    {
        var size = _layout.Size;
        var failed = -1;
        errno = 0;
        for (var i = 0; i < n; i++)
        {
            var receipt = _layout.Read((byte*)receipts + (i * size));
            var index = Match(changes, receipt, i);
            var error = KqueueTranslation.ReceiptError(_platform, changes[index], receipt);
            if (error == 0)
            {
                added[index] = !changes[index].IsDelete;
            }
            else if (failed < 0)
            {
                failed = index;
                errno = error;
            }
        }

        return failed;
    }

    /// <summary>Deletes the filters a refused Register did add, so that it leaves the queue as it was.</summary>
    private void RollBack(int fd, ReadOnlySpan<KeventChange> changes, ReadOnlySpan<bool> added)
    {
        for (var i = 0; i < changes.Length; i++)
        {
            if (added[i])
            {
                ApplyOne((ulong)fd, changes[i].Filter, EV_DELETE | EV_RECEIPT, 0, 0);
            }
        }
    }

    /// <summary>Receipts come back in change order; should a kernel reorder them, match by filter and kind.</summary>
    private static int Match(ReadOnlySpan<KeventChange> changes, Kevent receipt, int position)
    {
        if (position < changes.Length && changes[position].Filter == receipt.Filter)
        {
            return position;
        }

        for (var i = changes.Length - 1; i >= 0; i--)
        {
            if (changes[i].Filter == receipt.Filter)
            {
                return i;
            }
        }

        return Math.Min(position, changes.Length - 1);
    }

    private bool KnotesGone(int fd, Registration stale)
    {
        // The same udata as before, in case a kernel takes it from an EV_ENABLE.
        if ((stale.Interest & Interest.Readable) != 0
            && ApplyOne((ulong)fd, _platform.ReadFilter, EV_ENABLE | EV_RECEIPT, 0, stale.Token.Value) == 0)
        {
            return false;
        }

        return (stale.Interest & Interest.Writable) == 0
            || ApplyOne((ulong)fd, _platform.WriteFilter, EV_ENABLE | EV_RECEIPT, 0, stale.Token.Value) != 0;
    }

    private EventQueueException Error(int fd, string operation, KeventChange change, int errno) =>
        errno == Errno.ENOENT && change.IsDelete ? EventQueueErrors.NotRegistered(fd, Name, operation, errno)
        : EventQueueErrors.Kernel(operation, fd, errno);

    // shortened: the wait asked the kernel for less than is left (libkqueue's int milliseconds).
    private int WaitOnce(byte* buffer, int max, WaitTimeout left)
    {
        var kq = _kqueue.Fd;
        while (left.Timeout is { } t)
        {
            var shortened = t.Ticks > _maxWaitTicks;
            if (shortened)
            {
                t = TimeSpan.FromTicks(_maxWaitTicks); // libkqueue: whole milliseconds that fit an int
            }

            // Capped at about 68 years: some kernels refuse (EINVAL) a tv_sec beyond 32 bits.
            var ts = Timespec.From(t);
            ts.Seconds = Math.Min(ts.Seconds, int.MaxValue);
            var n = Interop.Kqueue.Kevent(_platform, kq, null, 0, buffer, max, &ts);
            if (n != 0 || !shortened)
            {
                return n;
            }

            left = left.Remaining(); // the end of a wait the platform had to shorten: wait for what is left
        }

        return Interop.Kqueue.Kevent(_platform, kq, null, 0, buffer, max, null);
    }

    /// <summary>
    /// libkqueue: kept events first; when they do not fill <paramref name="events"/>, a wait for libkqueue's
    /// maximum (without blocking once something was taken, so that every wait fills the buffer as a BSD
    /// kernel and epoll do), whose surplus is kept (see <see cref="LibKqueueSurplus"/>).
    /// </summary>
    private int WaitKeepingSurplus(LibKqueueSurplus surplus, Span<Event> events, TimeSpan? timeout, out int n)
    {
        var taken = surplus.Take(events, _delivery);
        n = taken;
        if (taken == events.Length)
        {
            return taken;
        }

        var changesBefore = _delivery.Changes;
        var wait = new KqueueWait(this, _buffer.Reserve(LibKqueueSurplus.Kevents, _layout.Size), LibKqueueSurplus.Kevents);
        n = KernelWait.Run(ref wait, taken > 0 ? TimeSpan.Zero : timeout, "kevent(wait)");
        var decoded = _delivery.Deliver(wait.Buffer, n, surplus.Decoded, changesBefore, surplus.DecodedDescriptors);
        return surplus.Split(decoded, events, taken, _delivery);
    }

    private void SetOwner(int fd, SafeHandle? owner) => _delivery.SetOwner(fd, owner);

    /// <summary>Closes the kqueue; on libkqueue also waits until it has closed the descriptors it opened for it.</summary>
    private void CloseKqueue()
    {
        _kqueue.Dispose();
        if (_platform.FreesOnCloseAsynchronously)
        {
            Interop.Kqueue.DrainPendingClose();
        }
    }

    private void Forget(int fd)
    {
        SetOwner(fd, null);
        _delivery.Disarm(fd);
        _identities?.Clear(fd);
    }

    /// <summary>
    /// The file type check and, on libkqueue, the identity to record: one statx there; fstat on macOS,
    /// whose EVFILT_READ cannot report a regular file always ready; nothing elsewhere.
    /// </summary>
    private Interop.FileIdentity CheckFile(int fd)
    {
        var file = Interop.FileIdentity.Unknown;
        bool regular;
        if (_identities is not null)
        {
            file = Interop.LinuxStat.Identify(fd);
            regular = file.IsRegularFileOrDirectory;
        }
        else
        {
            regular = _platform.RefusesRegularFiles && Interop.MacStat.IsRegularFileOrDirectory(fd);
        }

        return regular && _platform.RefusesRegularFiles ? throw EventQueueErrors.RegularFile(fd, Name) : file;
    }

    /// <summary>libkqueue: deletes the knotes a closed descriptor left under its number; their file is gone, so failures are expected.</summary>
    private void DeleteStale(int fd, Registration stale)
    {
        Span<KeventChange> changes = stackalloc KeventChange[KqueueTranslation.MaxChanges];
        var n = KqueueTranslation.Changes(_platform, stale.Interest, stale.Mode, 0, stale.Mode, changes);
        for (var i = 0; i < n; i++)
        {
            ApplyOne((ulong)fd, changes[i].Filter, changes[i].Flags, 0, 0);
        }

        Forget(fd);
    }

    /// <summary>One kevent wait into the queue's buffer, for <see cref="KernelWait"/>.</summary>
    private readonly struct KqueueWait(KqueueEventQueue queue, byte* buffer, int max) : IKernelWait
    {
        public byte* Buffer => buffer;

        public int WaitOnce(WaitTimeout left) => queue.WaitOnce(buffer, max, left);
    }
}
