using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using EporeX.Unix;
using static EporeX.Linux.Epoll.Interop.Epoll;

namespace EporeX.Linux.Epoll;

/// <summary>
/// The epoll backend: one epoll instance (close-on-exec), registrations by epoll_ctl straight into the
/// kernel, and epoll_wait into a native event buffer that is allocated once and reused. A Wait costs one
/// system call whatever the number of registered descriptors: O(ready), not O(registered).
/// </summary>
public sealed unsafe class EpollEventQueue : IEventQueue
{
    /// <summary>The epoll data of the interrupt eventfd. A user token of the same value is still delivered, except by a wait that Dispose interrupts.</summary>
    private const ulong InterruptData = ulong.MaxValue;

    private static readonly EpollEventLayout Layout = EpollEventLayout.Current;

    /// <summary>0: not tried yet; 1: epoll_pwait2 works; -1: libc or kernel lacks it.</summary>
    private static int s_pwait2;

    private readonly FileDescriptorHandle _epoll;
    private readonly FileDescriptorHandle _interrupt;
    private EventBuffer _buffer;
    private volatile bool _interrupted;
    private int _disposed;

    /// <summary>Creates an epoll instance and its interrupt eventfd.</summary>
    /// <exception cref="EventQueueException">epoll_create1 or eventfd failed (EMFILE, ENOMEM…).</exception>
    public EpollEventQueue()
    {
        var epfd = Create1(EPOLL_CLOEXEC);
        if (epfd < 0)
        {
            throw EventQueueErrors.Kernel("epoll_create1", Errno.Last);
        }

        _epoll = new FileDescriptorHandle(epfd);
        try
        {
            _interrupt = AddEventFd(EPOLLIN, InterruptData, "interrupt");
        }
        catch
        {
            _epoll.Dispose();
            throw;
        }
    }

    /// <summary><c>epoll</c>.</summary>
    public string Name => EpollProvider.BackendName;

    /// <summary>Readable, Writable and Priority; every mode; no regular files (EPERM); a short read drains; closing deregisters; timers (timerfd); process exits (pidfd, Linux 5.3+).</summary>
    public EventQueueCapabilities Capabilities { get; } =
        new(Interest.Readable | Interest.Writable | Interest.Priority, Edge: true, Oneshot: true, RegularFiles: false)
        {
            ShortReadDrains = true,
            CloseDeregisters = true, // eventpoll_release: the file's last close takes it out of every epoll set
            Timers = true,
            ProcessExit = LinuxLibc.HasPidFd,
        };

    internal bool IsClosed => Volatile.Read(ref _disposed) != 0;

    internal int Descriptor => _epoll.Fd;

    /// <inheritdoc />
    public void Register(int fd, Registration registration)
    {
        if (Control(EPOLL_CTL_ADD, fd, EpollFlags.ToEpoll(registration.Interest, registration.Mode), registration.Token.Value) != 0)
        {
            throw AddError(fd, Errno.Last);
        }
    }

    /// <inheritdoc />
    public void Reregister(int fd, Registration previous, Registration next)
    {
        if (Control(EPOLL_CTL_MOD, fd, EpollFlags.ToEpoll(next.Interest, next.Mode), next.Token.Value) != 0)
        {
            throw ChangeError("epoll_ctl(MOD)", fd, Errno.Last);
        }
    }

    /// <inheritdoc />
    public void Deregister(int fd, Registration previous)
    {
        if (Control(EPOLL_CTL_DEL, fd, 0, 0) != 0)
        {
            throw ChangeError("epoll_ctl(DEL)", fd, Errno.Last);
        }
    }

    /// <summary>
    /// The kernel knows: epoll drops a descriptor when its file is closed, so if EPOLL_CTL_ADD of the number
    /// succeeds the old registration is gone; EEXIST means it is alive and this is a duplicate.
    /// </summary>
    public bool TryReplaceStale(int fd, Registration stale, Registration next)
    {
        if (Control(EPOLL_CTL_ADD, fd, EpollFlags.ToEpoll(next.Interest, next.Mode), next.Token.Value) == 0)
        {
            return true;
        }

        var errno = Errno.Last;
        return errno == Errno.EEXIST ? false : throw AddError(fd, errno);
    }

    /// <inheritdoc />
    public int Wait(Span<Event> events, TimeSpan? timeout)
    {
        var wait = new EpollWait(_epoll.Fd, _buffer.Reserve(events.Length, Layout.Size), events.Length);
        var n = KernelWait.Run(ref wait, timeout, "epoll_wait");

        // n <= max = events.Length: the loop writes through a ref without a bounds check per event.
        var size = Layout.Size;
        var dataOffset = Layout.DataOffset;
        var delivered = 0;
        var entry = wait.Buffer;
        ref var first = ref MemoryMarshal.GetReference(events);
        for (var i = 0; i < n; i++, entry += size)
        {
            var data = Unsafe.ReadUnaligned<ulong>(entry + dataOffset);
            if (data == InterruptData && _interrupted)
            {
                continue;
            }

            Unsafe.Add(ref first, delivered++) = new Event(new Token(data), EpollFlags.Lookup(Unsafe.ReadUnaligned<uint>(entry)));
        }

        return delivered;
    }

    /// <inheritdoc />
    public void Interrupt()
    {
        _interrupted = true;
        try
        {
            WriteCounter(_interrupt);
        }
        catch (ObjectDisposedException)
        {
            // the queue is closed: no wait can block on it any more
        }
    }

    /// <inheritdoc />
    public IEventQueueWaker CreateWaker(Token token) => new EpollWaker(this, token);

    /// <summary>A timerfd registered edge-triggered (<see cref="EpollTimer"/>).</summary>
    public IEventQueueTimer CreateTimer(Token token) => new EpollTimer(this, token);

    /// <summary>A pidfd registered oneshot (<see cref="EpollProcessExit"/>).</summary>
    public IDisposable CreateProcessExit(Token token, int pid) => new EpollProcessExit(this, token, pid);

    /// <summary>Closes the epoll and interrupt descriptors and frees the event buffer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _interrupt.Dispose();
        _epoll.Dispose();
        _buffer.Free();
    }

    /// <summary>
    /// Opens an eventfd (close-on-exec, non-blocking) and adds it with <paramref name="events"/> and
    /// <paramref name="data"/>: the interrupt and every waker. Nothing is left open when it fails.
    /// </summary>
    internal FileDescriptorHandle AddEventFd(uint events, ulong data, string role)
    {
        var efd = Interop.EventFd.Create(0, Interop.EventFd.EFD_CLOEXEC | Interop.EventFd.EFD_NONBLOCK);
        if (efd < 0)
        {
            throw EventQueueErrors.Kernel($"eventfd ({role})", Errno.Last);
        }

        var handle = new FileDescriptorHandle(efd);
        if (Control(EPOLL_CTL_ADD, efd, events, data) != 0)
        {
            var errno = Errno.Last;
            handle.Dispose();
            throw EventQueueErrors.Kernel($"epoll_ctl(ADD, {role} eventfd)", efd, errno);
        }

        return handle;
    }

    /// <summary>One epoll_ctl; returns 0 or -1 with errno set.</summary>
    internal int Control(int op, int fd, uint flags, ulong data)
    {
        var ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, flags);
        Unsafe.WriteUnaligned(ev + Layout.DataOffset, data);
        return Ctl(_epoll.Fd, op, fd, ev);
    }

    /// <summary>Adds 1 to an eventfd counter without blocking; at the counter's ceiling, drains it first.</summary>
    internal static void WriteCounter(FileDescriptorHandle eventFd)
    {
        using var reference = new HandleReference(eventFd);
        ulong one = 1;
        while (Libc.WriteUninterrupted(eventFd.Fd, &one, sizeof(ulong)) < 0)
        {
            var errno = Errno.Last;
            if (errno != Errno.EAGAIN)
            {
                throw EventQueueErrors.Kernel("write(eventfd)", eventFd.Fd, errno);
            }

            ulong drained;
            Libc.ReadUninterrupted(eventFd.Fd, &drained, sizeof(ulong));
        }
    }

    private static int WaitOnce(int epfd, byte* buffer, int max, WaitTimeout left)
    {
        if (left.HasSubMillisecondPart && s_pwait2 >= 0)
        {
            var n = WaitPrecise(epfd, buffer, max, left.Timeout!.Value);
            if (n != int.MinValue)
            {
                return n;
            }
        }

        var ms = left.Milliseconds;
        if (ms == 0)
        {
            var n = Interop.Epoll.WaitNoBlock(epfd, buffer, max, 0);
            if (n < 0)
            {
                Errno.KeepLast();
            }

            return n;
        }

        return Interop.Epoll.Wait(epfd, buffer, max, ms);
    }

    /// <summary>epoll_pwait2, or int.MinValue when this system lacks it (then never tried again).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int WaitPrecise(int epfd, byte* buffer, int max, TimeSpan timeout)
    {
        var ts = Timespec.From(timeout);
        try
        {
            var n = PWait2(epfd, buffer, max, &ts, null);
            if (n < 0 && Errno.Last == Errno.ENOSYS)
            {
                s_pwait2 = -1;
                return int.MinValue;
            }

            s_pwait2 = 1;
            return n;
        }
        catch (EntryPointNotFoundException)
        {
            s_pwait2 = -1;
            return int.MinValue;
        }
    }

    private EventQueueException AddError(int fd, int errno) =>
        errno == Errno.EEXIST ? EventQueueErrors.AlreadyRegistered(fd, Name, errno)
        : errno == Errno.EPERM ? EventQueueErrors.RegularFile(fd, Name, errno)
        : EventQueueErrors.Kernel("epoll_ctl(ADD)", fd, errno);

    private EventQueueException ChangeError(string operation, int fd, int errno) =>
        errno == Errno.ENOENT ? EventQueueErrors.NotRegistered(fd, Name, operation, errno)
        : EventQueueErrors.Kernel(operation, fd, errno);

    /// <summary>One epoll_wait into the queue's buffer, for <see cref="KernelWait"/>.</summary>
    private readonly struct EpollWait(int epfd, byte* buffer, int max) : IKernelWait
    {
        public byte* Buffer => buffer;

        public int WaitOnce(WaitTimeout left) => EpollEventQueue.WaitOnce(epfd, buffer, max, left);
    }
}
