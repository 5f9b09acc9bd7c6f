using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// An EVFILT_TIMER knote. The kernel clears it on delivery and puts the expirations since the last one in
/// the kevent's data, which the waiting thread adds to <see cref="Consume"/>'s count (<see cref="Fired"/>).
/// The ident is the timer's for its life (so the table never changes on Arm, and Arm allocates nothing);
/// the udata is the schedule's generation, new at every Arm, so a kevent of an old schedule still in a
/// wait's buffer is recognised and dropped; the token is the timer's. EVFILT_TIMER has no first delay apart from its period: when due and period differ, the timer is
/// a oneshot of <c>due</c> and the waiting thread adds the periodic knote when that one fires, so the periods
/// count from the first expiration's delivery, and the periods a late wait missed before it are added from the clock.
/// </summary>
internal sealed class KqueueTimer : IEventQueueTimer
{
    private readonly KqueueEventQueue _queue;
    private readonly KqueueTimerTable _table;
    private readonly ulong _token;
    private readonly ulong _ident;
    private readonly Lock _gate = new();
    private ulong _generation;
    private bool _armed;
    private long _pending;
    private long _periodAfterFirst;
    private long _armedAt;
    private long _dueNs;

    public KqueueTimer(KqueueEventQueue queue, KqueueTimerTable table, Token token)
    {
        _queue = queue;
        _table = table;
        _token = token.Value;
        _ident = table.Add(this);
    }

    public void Arm(TimeSpan due, TimeSpan? period)
    {
        var dueNs = due.Ticks * 100;
        lock (_gate)
        {
            DeleteCurrent();
            _generation++;
            Interlocked.Exchange(ref _pending, 0);
            _periodAfterFirst = 0;
            _armedAt = Stopwatch.GetTimestamp();
            _dueNs = dueNs;
            if (period is not { } p)
            {
                Add(EV_ONESHOT, dueNs);
            }
            else if (p == due)
            {
                Add(0, dueNs);
            }
            else
            {
                _periodAfterFirst = p.Ticks * 100;
                Add(EV_ONESHOT, dueNs);
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
    public bool Fired(ulong generation, long expirations, out ulong token)
    {
        token = _token;
        lock (_gate)
        {
            if (!_armed || generation != _generation)
            {
                return false;
            }

            Interlocked.Add(ref _pending, Math.Max(1, expirations));
            if (_periodAfterFirst != 0)
            {
                var period = _periodAfterFirst;
                _periodAfterFirst = 0;

                // The oneshot's data is 1 however late the wait: count the periods that passed since it was due.
                var lateNs = (Stopwatch.GetElapsedTime(_armedAt).Ticks * 100) - _dueNs;
                if (lateNs >= period)
                {
                    Interlocked.Add(ref _pending, lateNs / period);
                }

                Add(0, period); // the oneshot knote is gone: the same ident now names the periodic one
            }

            return true;
        }
    }

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (!_queue.IsClosed)
            {
                DeleteCurrent();
            }

            _armed = false;
            _table.Remove(_ident);
        }
    }

    private void Add(uint flags, long nanoseconds)
    {
        var (data, fflags) = _queue.SourceFilters.Duration(nanoseconds);
        var error = _queue.ApplyOne(_ident, _queue.SourceFilters.TimerFilter, EV_ADD | EV_RECEIPT | flags, fflags, _generation, data);
        _armed = error == 0;
        if (error != 0)
        {
            throw EventQueueErrors.Kernel("kevent(EV_ADD, EVFILT_TIMER)", error);
        }
    }

    private void DeleteCurrent()
    {
        if (!_armed)
        {
            return;
        }

        // ENOENT: a oneshot that has fired is gone already.
        _queue.ApplyOne(_ident, _queue.SourceFilters.TimerFilter, EV_DELETE | EV_RECEIPT, 0, 0);
        _armed = false;
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

    /// <summary>True when <paramref name="ident"/> and <paramref name="generation"/> are a live schedule; its expirations are then counted.</summary>
    public bool Fired(ulong ident, ulong generation, long expirations, out ulong token)
    {
        token = 0;
        return _timers.TryGetValue(ident, out var timer) && timer.Fired(generation, expirations, out token);
    }
}
