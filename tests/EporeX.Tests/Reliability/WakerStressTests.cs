using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Reliability;

/// <summary>
/// A million Wake calls from eight threads while one thread waits in a loop: no call throws or blocks,
/// and no wait ever reports the waker's token more than once.
/// </summary>
public sealed class WakerStressTests(ITestOutputHelper output)
{
    private const int Threads = 8;
    private const int TotalWakes = 1_000_000;
    private static readonly Token WakeToken = new(77);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_million_wakes_from_eight_threads_never_block_and_coalesce(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, WakeToken);
        var failures = new ConcurrentQueue<Exception>();
        var stop = 0;
        long waits = 0, wakeEvents = 0, slowestTicks = 0;

        var waiter = new Thread(() =>
        {
            try
            {
                var events = new Events(16);
                while (Volatile.Read(ref stop) == 0)
                {
                    poll.Wait(events, TimeSpan.FromMilliseconds(20));
                    waits++;
                    var mine = 0;
                    foreach (var e in events)
                    {
                        mine += e.Token == WakeToken ? 1 : 0;
                    }

                    Assert.True(mine <= 1, $"one wait reported the waker {mine} times");
                    wakeEvents += mine;
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })
        { IsBackground = true, Name = "wake waiter" };

        var wakers = new Thread[Threads];
        for (var t = 0; t < Threads; t++)
        {
            wakers[t] = new Thread(() =>
            {
                try
                {
                    long slowest = 0;
                    for (var i = 0; i < TotalWakes / Threads; i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        waker.Wake();
                        slowest = Math.Max(slowest, Stopwatch.GetTimestamp() - start);
                    }

                    InterlockedMax(ref slowestTicks, slowest);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            })
            { IsBackground = true, Name = "waker" };
        }

        var clock = Stopwatch.StartNew();
        Waiting.Bounded(TimeSpan.FromSeconds(60), () =>
        {
            waiter.Start();
            foreach (var w in wakers)
            {
                w.Start();
            }

            foreach (var w in wakers)
            {
                w.Join();
            }

            Volatile.Write(ref stop, 1);
            waiter.Join();
        }, "a million wakes");
        var elapsed = clock.Elapsed;

        Assert.Empty(failures);
        var slowestCall = Stopwatch.GetElapsedTime(0, slowestTicks);
        Assert.True(slowestCall < TimeSpan.FromSeconds(2), $"one Wake took {slowestCall.TotalMilliseconds} ms");

        // The wakes after the loop's last wait are still pending: exactly one event, then silence.
        var tail = new Events(16);
        poll.Wait(tail, TimeSpan.FromMilliseconds(100));
        Assert.True(CountOf(tail) <= 1);
        poll.Wait(tail, TimeSpan.FromMilliseconds(20));
        Assert.Equal(0, CountOf(tail));
        waker.Wake();
        poll.Wait(tail, TimeSpan.FromSeconds(5));
        Assert.Equal(1, CountOf(tail));

        output.WriteLine($"{backend}: {TotalWakes} Wake calls on {Threads} threads in {elapsed.TotalMilliseconds:F0} ms; {waits} waits saw {wakeEvents} wake events; slowest Wake {slowestCall.TotalMilliseconds:F2} ms");
    }

    private static int CountOf(Events events)
    {
        var n = 0;
        foreach (var e in events)
        {
            n += e.Token == WakeToken ? 1 : 0;
        }

        return n;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
