using System;
using System.Collections.Concurrent;
using System.Threading;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// An EVFILT_TIMER knote. The kernel clears it on delivery and puts the expirations since the last one in
/// the kevent's data, which the waiting thread adds to <see cref="Consume"/>'s count (<see cref="Fired"/>).
/// Every Arm uses a fresh ident, so a kevent of an old schedule still in a wait's buffer is recognised and
/// dropped. EVFILT_TIMER has no first delay apart from its period: when due and period differ, the timer is
/// a oneshot of <c>due</c> and the waiting thread adds the periodic knote when that one fires, so the periods
/// count from the first expiration's delivery.
/// </summary>
internal sealed class KqueueTimer : IEventQueueTimer
{
    private readonly KqueueEventQueue _queue;
    private readonly KqueueTimerTable _table;
    private readonly ulong _token;
    private readonly Lock _gate = new();
    private ulong _ident;
    private long _pending;
    private long _periodAfterFirst;

    public KqueueTimer(KqueueEventQueue queue, KqueueTimerTable table, Token token)
    {
        _queue = queue;
        _table = table;
        _token = token.Value;
    }

    public void Arm(TimeSpan due, TimeSpan? period)
    {
        var dueNs = due.Ticks * 100;
        lock (_gate)
        {
            DeleteCurrent();
            var ident = _table.Add(this);
            _ident = ident;
            Interlocked.Exchange(ref _pending, 0);
            _periodAfterFirst = 0;
            if (period is not { } p)
            {
                Add(ident, EV_ONESHOT, dueNs);
            }
            else if (p == due)
            {
                Add(ident, 0, dueNs);
            }
            else
            {
                _periodAfterFirst = p.Ticks * 100;
                Add(ident, EV_ONESHOT, dueNs);
            }
        }
    }

    public void Disarm()
    {
        lock (_gate)
        {
            DeleteCurrent();
            Interlocked.Exchange(ref _pending, 0);
        }
    }

    public long Consume() => Interlocked.Exchange(ref _pending, 0);

    /// <summary>Called by the waiting thread for a kevent of this timer: false when it belongs to an older schedule.</summary>
    public bool Fired(ulong ident, long expirations)
    {
        lock (_gate)
        {
            if (ident != _ident)
            {
                return false;
            }

            Interlocked.Add(ref _pending, Math.Max(1, expirations));
            if (_periodAfterFirst != 0)
            {
                var period = _periodAfterFirst;
                _periodAfterFirst = 0;
                Add(ident, 0, period); // the oneshot knote is gone: the same ident now names the periodic one
            }

            return true;
        }
    }

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_queue.IsClosed)
            {
                _table.Remove(_ident);
                _ident = 0;
                return;
            }

            DeleteCurrent();
        }
    }

    private void Add(ulong ident, uint flags, long nanoseconds)
    {
        var (data, fflags) = _queue.SourceFilters.Duration(nanoseconds);
        var error = _queue.ApplyOne(ident, _queue.SourceFilters.TimerFilter, EV_ADD | EV_RECEIPT | flags, fflags, _token, data);
        if (error != 0)
        {
            _table.Remove(ident);
            _ident = 0;
            throw EventQueueErrors.Kernel("kevent(EV_ADD, EVFILT_TIMER)", error);
        }
    }

    private void DeleteCurrent()
    {
        if (_ident == 0)
        {
            return;
        }

        // ENOENT: a oneshot that has fired is gone already.
        _queue.ApplyOne(_ident, _queue.SourceFilters.TimerFilter, EV_DELETE | EV_RECEIPT, 0, 0);
        _table.Remove(_ident);
        _ident = 0;
    }
}

/// <summary>The live EVFILT_TIMER idents of one queue, so the waiting thread finds a timer without allocating.</summary>
internal sealed class KqueueTimerTable
{
    private readonly ConcurrentDictionary<ulong, KqueueTimer> _timers = new();
    private long _nextIdent;

    public ulong Add(KqueueTimer timer)
    {
        var ident = (ulong)Interlocked.Increment(ref _nextIdent);
        _timers[ident] = timer;
        return ident;
    }

    public void Remove(ulong ident) => _timers.TryRemove(ident, out _);

    /// <summary>True when <paramref name="ident"/> is a live schedule; its expirations are then counted.</summary>
    public bool Fired(ulong ident, long expirations) => _timers.TryGetValue(ident, out var timer) && timer.Fired(ident, expirations);
}
