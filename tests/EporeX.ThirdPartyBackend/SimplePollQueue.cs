using System;
using System.Collections.Generic;
using System.Threading;

namespace EporeX.ThirdPartyBackend;

/// <summary>
/// A poll(2) backend built from the public backend kit alone: <see cref="IEventQueue"/>,
/// <see cref="Registration"/>, <see cref="EventQueueCapabilities"/>, <see cref="WaitTimeout"/> and
/// <see cref="EventQueueErrors"/>. Level and Oneshot, Readable and Writable. Deliberately simple (it
/// rebuilds its pollfd array after any change); what it proves is that the kit is enough to pass the
/// conformance suite's basic theories.
/// </summary>
public sealed unsafe class SimplePollQueue : IEventQueue
{
    public const string BackendName = "thirdparty-poll";

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Entry> _entries = new();
    private readonly List<SimpleWaker> _wakers = new();
    private readonly int _pipeRead;
    private readonly int _pipeWrite;
    private Native.PollFd[] _fds = new Native.PollFd[16];
    private int _fdCount;
    private bool _dirty = true;
    private bool _polling;
    private int _notified;
    private volatile bool _interrupted;
    private bool _disposed;

    public SimplePollQueue()
    {
        var error = Native.OpenPipe(out _pipeRead, out _pipeWrite);
        if (error != 0)
        {
            throw EventQueueErrors.Kernel("pipe2", error);
        }
    }

    public string Name => BackendName;

    public EventQueueCapabilities Capabilities { get; } = new(Interest.Readable | Interest.Writable, Edge: false, Oneshot: true, RegularFiles: true);

    public void Register(int fd, Registration registration)
    {
        if (!Native.IsOpen(fd))
        {
            throw EventQueueErrors.NotOpen(fd, "Register", Native.EBADF);
        }

        Change(fd, new Entry(registration, Armed: true));
    }

    public void Reregister(int fd, Registration previous, Registration next) => Change(fd, new Entry(next, Armed: true), "Reregister");

    public void Deregister(int fd, Registration previous) => Change(fd, null, "Deregister");

    public int Wait(Span<Event> events, TimeSpan? timeout)
    {
        var left = WaitTimeout.Start(timeout);
        while (!_interrupted)
        {
            var ms = left.Milliseconds;
            lock (_gate)
            {
                if (_dirty)
                {
                    Rebuild();
                }

                if (_wakers.Exists(w => w.IsPending))
                {
                    ms = 0;
                }

                _polling = true;
            }

            int n;
            fixed (Native.PollFd* fds = _fds)
            {
                n = Native.Poll(fds, (nuint)_fdCount, ms);
            }

            var errno = n < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
            if (n > 0 && _fds[0].Revents != 0)
            {
                Drain();

                Interlocked.Exchange(ref _notified, 0);
            }

            var delivered = 0;
            lock (_gate)
            {
                _polling = false;
                if (n >= 0 && !_interrupted)
                {
                    delivered = Deliver(events);
                }
            }

            if (n < 0 && errno != Native.EINTR)
            {
                throw EventQueueErrors.Kernel("poll", errno);
            }

            if (delivered > 0 || left.Timeout == TimeSpan.Zero)
            {
                return delivered;
            }

            left = left.Remaining();
            if (left.Timeout == TimeSpan.Zero)
            {
                return 0;
            }
        }

        return 0;
    }

    public void Interrupt()
    {
        _interrupted = true;
        Notify();
    }

    public IEventQueueWaker CreateWaker(Token token)
    {
        var waker = new SimpleWaker(this, token);
        lock (_gate)
        {
            _wakers.Add(waker);
        }

        return waker;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _interrupted = true;
            Native.Close(_pipeRead);
            Native.Close(_pipeWrite);
        }
    }

    internal void RemoveWaker(SimpleWaker waker)
    {
        lock (_gate)
        {
            _wakers.Remove(waker);
        }
    }

    internal void Notify()
    {
        lock (_gate)
        {
            if (!_disposed && Interlocked.Exchange(ref _notified, 1) == 0)
            {
                byte one = 1;
                Native.Write(_pipeWrite, &one, 1);
            }
        }
    }

    private void Drain()
    {
        byte* scratch = stackalloc byte[64];
        while (Native.Read(_pipeRead, scratch, 64) > 0)
        {
        }
    }

    private void Change(int fd, Entry? next, string? operation = null)
    {
        lock (_gate)
        {
            if (operation is not null && !_entries.ContainsKey(fd))
            {
                throw EventQueueErrors.NotRegistered(fd, Name, operation);
            }

            if (next is { } entry)
            {
                _entries[fd] = entry;
            }
            else
            {
                _entries.Remove(fd);
            }

            _dirty = true;
        }

        if (_polling)
        {
            Notify();
        }
    }

    private void Rebuild()
    {
        var needed = _entries.Count + 1;
        if (_fds.Length < needed)
        {
            _fds = new Native.PollFd[Math.Max(needed, _fds.Length * 2)];
        }

        _fds[0] = new Native.PollFd { Fd = _pipeRead, Events = Native.POLLIN };
        _fdCount = 1;
        foreach (var (fd, entry) in _entries)
        {
            if (entry.Armed)
            {
                _fds[_fdCount++] = new Native.PollFd { Fd = fd, Events = ToPoll(entry.Registration.Interest) };
            }
        }

        _dirty = false;
    }

    private int Deliver(Span<Event> events)
    {
        var delivered = 0;
        foreach (var waker in _wakers)
        {
            if (delivered < events.Length && waker.TakePending())
            {
                events[delivered++] = new Event(waker.Token, Readiness.Readable);
            }
        }

        for (var i = 1; i < _fdCount && delivered < events.Length; i++)
        {
            var pollFd = _fds[i];
            if (pollFd.Revents == 0 || !_entries.TryGetValue(pollFd.Fd, out var entry) || !entry.Armed)
            {
                continue; // quiet, or changed since the array was built
            }

            if ((pollFd.Revents & Native.POLLNVAL) != 0 || entry.Registration.IsOwnerClosed)
            {
                _entries.Remove(pollFd.Fd); // closed behind the queue's back: forget it, report nothing
                _dirty = true;
                continue;
            }

            events[delivered++] = new Event(entry.Registration.Token, ToReadiness(pollFd.Revents, entry.Registration.Interest));
            if (entry.Registration.Mode == PollMode.Oneshot)
            {
                _entries[pollFd.Fd] = entry with { Armed = false };
                _dirty = true;
            }
        }

        return delivered;
    }

    private static short ToPoll(Interest interest) =>
        (short)(((interest & Interest.Readable) != 0 ? Native.POLLIN | Native.POLLRDHUP : 0)
            | ((interest & Interest.Writable) != 0 ? Native.POLLOUT : 0));

    private static Readiness ToReadiness(short revents, Interest interest)
    {
        Readiness readiness = 0;
        if ((revents & Native.POLLIN) != 0)
        {
            readiness |= Readiness.Readable;
        }

        if ((revents & Native.POLLOUT) != 0)
        {
            readiness |= Readiness.Writable;
        }

        if ((revents & (Native.POLLRDHUP | Native.POLLHUP)) != 0)
        {
            readiness |= Readiness.ReadClosed | ((interest & Interest.Readable) != 0 ? Readiness.Readable : 0);
        }

        if ((revents & Native.POLLHUP) != 0)
        {
            readiness |= Readiness.WriteClosed;
        }

        if ((revents & Native.POLLERR) != 0)
        {
            readiness |= Readiness.Error;
        }

        return readiness;
    }

    private readonly record struct Entry(Registration Registration, bool Armed);
}
