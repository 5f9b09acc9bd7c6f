using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Tests.Support;

public static class Waiting
{
    /// <summary>Generous bound for "it arrives": the machine may be loaded, and a pass ends as soon as it does.</summary>
    public static readonly TimeSpan Arrives = TimeSpan.FromSeconds(5);

    /// <summary>Generous bound for a bulk transfer (megabytes through loopback) on one busy core.</summary>
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    /// <summary>How long to watch for "nothing arrives".</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until an event with <paramref name="token"/> arrives, or fails after <paramref name="within"/> (default <see cref="Arrives"/>).</summary>
    public static Event WaitFor(this Poll poll, Token token, TimeSpan? within = null, Events? events = null)
    {
        events ??= new Events(64);
        var clock = Stopwatch.StartNew();
        var limit = within ?? Arrives;
        while (clock.Elapsed < limit)
        {
            poll.Wait(events, limit - clock.Elapsed);
            foreach (var e in events)
            {
                if (e.Token == token)
                {
                    return e;
                }
            }
        }

        Assert.Fail($"no event for token {token} within {limit.TotalMilliseconds} ms on {poll.Backend}");
        return default;
    }

    /// <summary>
    /// Waits until an event with <paramref name="token"/> that <paramref name="wanted"/> accepts arrives (level
    /// registrations report a state until it changes), or fails after <see cref="Arrives"/> naming what came
    /// instead; every event seen is added to <paramref name="all"/> when given.
    /// </summary>
    public static Event WaitUntil(this Poll poll, Token token, Func<Event, bool> wanted, List<Event>? all = null)
    {
        var events = new Events(16);
        var clock = Stopwatch.StartNew();
        var seen = new List<Event>();
        while (clock.Elapsed < Arrives)
        {
            poll.Wait(events, TimeSpan.FromMilliseconds(100));
            foreach (var e in events)
            {
                all?.Add(e);
                if (e.Token == token)
                {
                    seen.Add(e);
                    if (wanted(e))
                    {
                        return e;
                    }
                }
            }
        }

        Assert.Fail($"{poll.Backend}: never the wanted event for {token}; saw {string.Join(", ", seen.Distinct())}");
        return default;
    }

    /// <summary>Every event of one wait.</summary>
    public static List<Event> WaitOnce(this Poll poll, TimeSpan timeout, int capacity = 64)
    {
        var events = new Events(capacity);
        poll.Wait(events, timeout);
        return [.. events];
    }

    /// <summary>The events for <paramref name="token"/> that arrive during one short wait.</summary>
    public static List<Event> EventsFor(this Poll poll, Token token, TimeSpan? timeout = null)
    {
        var found = new List<Event>();
        foreach (var e in poll.WaitOnce(timeout ?? Quiet))
        {
            if (e.Token == token)
            {
                found.Add(e);
            }
        }

        return found;
    }

    /// <summary>Asserts that a short wait reports nothing for <paramref name="token"/>.</summary>
    public static void AssertQuiet(this Poll poll, Token token, TimeSpan? timeout = null) =>
        Assert.Empty(poll.EventsFor(token, timeout));

    /// <summary>Runs <paramref name="action"/> on its own thread and fails if it has not finished within <paramref name="limit"/>.</summary>
    public static void Bounded(TimeSpan limit, Action action, string what)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = what };
        thread.Start();
        if (!thread.Join(limit))
        {
            Assert.Fail($"{what} did not finish within {limit.TotalSeconds} s");
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"{what} failed", failure);
        }
    }

    /// <summary>
    /// Runs <paramref name="wait"/> (a blocking Poll.Wait) on its own thread and returns once it has had
    /// time to block in the kernel, so that what the test does next happens during that wait.
    /// </summary>
    public static Task<int> BlockedInBackground(Func<int> wait)
    {
        var entered = new ManualResetEventSlim();
        var waiter = Task.Factory.StartNew(() =>
        {
            entered.Set();
            return wait();
        }, TaskCreationOptions.LongRunning);
        entered.Wait();
        Thread.Sleep(100);
        return waiter;
    }

    /// <summary>
    /// Wakes <paramref name="waker"/> once after <paramref name="delay"/>, from a thread of its own: a
    /// <see cref="Timer"/>'s callback runs on the thread pool, which other tests running at the same time
    /// can keep busy for seconds. Disposing it first cancels the wake.
    /// </summary>
    public static IDisposable WakeAfter(Waker waker, TimeSpan delay) => new DelayedWake(waker, delay);

    private sealed class DelayedWake : IDisposable
    {
        private readonly ManualResetEventSlim _cancelled = new();
        private readonly Thread _thread;

        public DelayedWake(Waker waker, TimeSpan delay)
        {
            _thread = new Thread(() =>
            {
                if (!_cancelled.Wait(delay))
                {
                    waker.Wake();
                }
            })
            { IsBackground = true, Name = "wake later" };
            _thread.Start();
        }

        public void Dispose()
        {
            _cancelled.Set();
            _thread.Join();
            _cancelled.Dispose();
        }
    }
}
