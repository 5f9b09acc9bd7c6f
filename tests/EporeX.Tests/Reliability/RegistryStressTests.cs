using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Reliability;

/// <summary>
/// Eight threads churn registrations on one shared Registry while one thread waits in a loop and two
/// writer threads make registered descriptors readable. Each descriptor runs its own sequence, so that
/// "every write to a descriptor registered for Readable is observed" is checkable without a race:
/// register → reregister with a fresh token → a writer writes one byte → the waiting thread reports that
/// token → drain → reregister writable oneshot → deregister. Every fourth cycle is pure churn (no write).
/// </summary>
public sealed class RegistryStressTests(ITestOutputHelper output)
{
    private const int Threads = 8;
    private const int DescriptorsPerThread = 4;
    private const int TotalOperations = 100_000;
    // About 40 s on one busy core (.ci/loaded-run), a few on an idle machine: the bound only ends a hang
    // (a write never seen leaves the checker waiting for ever), so it is generous.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan SeenWithin = TimeSpan.FromSeconds(10);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Registrations_churn_on_eight_threads_and_no_write_goes_unseen(string backend)
    {
        using var poll = Backends.Open(backend);
        var slots = Threads * DescriptorsPerThread;
        var pairs = new (int Local, int Peer)[slots];
        for (var i = 0; i < slots; i++)
        {
            pairs[i] = Native.SocketPair();
        }

        // seen[slot]: the last token the waiting thread reported for that slot; latest[slot]: the newest generation registered.
        var seen = new long[slots];
        var latest = new long[slots];
        var failures = new ConcurrentQueue<Exception>();
        var writes = new BlockingCollection<int>();
        var stop = 0;
        long operations = 0, observedWrites = 0, waits = 0;

        void Guard(Action body)
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
                Volatile.Write(ref stop, 1);
            }
        }

        var waiter = new Thread(() => Guard(() =>
        {
            var events = new Events(256);
            while (Volatile.Read(ref stop) == 0)
            {
                poll.Wait(events, TimeSpan.FromMilliseconds(50));
                waits++;
                foreach (var e in events)
                {
                    var slot = (int)(e.Token.Value >> 32);
                    var generation = (long)(e.Token.Value & 0xFFFF_FFFF);
                    if (slot >= slots || generation > Volatile.Read(ref latest[slot]))
                    {
                        throw new InvalidOperationException($"event {e} carries a token that was never registered");
                    }

                    Volatile.Write(ref seen[slot], (long)e.Token.Value);
                }
            }
        }))
        { IsBackground = true, Name = "stress waiter" };

        var writers = new Thread[2];
        for (var w = 0; w < writers.Length; w++)
        {
            writers[w] = new Thread(() => Guard(() =>
            {
                foreach (var peer in writes.GetConsumingEnumerable())
                {
                    Assert.Equal(1, Native.WriteBytes(peer, 1));
                }
            }))
            { IsBackground = true, Name = "stress writer" };
        }

        var perThread = TotalOperations / Threads;
        var churners = new Thread[Threads];
        for (var t = 0; t < Threads; t++)
        {
            var thread = t;
            churners[t] = new Thread(() => Guard(() =>
            {
                var registry = poll.Registry;
                var done = 0;
                for (var cycle = 0; done < perThread && Volatile.Read(ref stop) == 0; cycle++)
                {
                    var slot = thread * DescriptorsPerThread + (cycle % DescriptorsPerThread);
                    var (local, peer) = pairs[slot];
                    var first = Next(latest, slot);
                    registry.Register(local, first, Interest.Readable);
                    var second = Next(latest, slot);
                    registry.Reregister(local, second, Interest.Readable);
                    done += 2;
                    if (cycle % 4 != 3)
                    {
                        writes.Add(peer);
                        AwaitSeen(seen, slot, second, () => Volatile.Read(ref stop) != 0);
                        Interlocked.Increment(ref observedWrites);
                        Assert.Equal(1, Native.ReadAll(local));
                        registry.Reregister(local, Next(latest, slot), Interest.Writable, PollMode.Oneshot);
                        done++;
                    }

                    registry.Deregister(local);
                    done++;
                }

                Interlocked.Add(ref operations, done);
            }))
            { IsBackground = true, Name = $"stress churn {t}" };
        }

        var clock = Stopwatch.StartNew();
        try
        {
            Waiting.Bounded(Limit, () =>
            {
                waiter.Start();
                foreach (var w in writers)
                {
                    w.Start();
                }

                foreach (var c in churners)
                {
                    c.Start();
                }

                foreach (var c in churners)
                {
                    c.Join();
                }

                writes.CompleteAdding();
                foreach (var w in writers)
                {
                    w.Join();
                }

                Volatile.Write(ref stop, 1);
                waiter.Join();
            }, "registry churn");
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            foreach (var (local, peer) in pairs)
            {
                Native.Close(local);
                Native.Close(peer);
            }
        }

        Assert.Empty(failures);
        Assert.True(operations >= TotalOperations, $"only {operations} operations ran");
        Assert.Equal(0, poll.Registry.Count);
        output.WriteLine($"{backend}: {operations} Register/Reregister/Deregister calls on {Threads} threads, {observedWrites} writes all observed, {waits} waits, {clock.ElapsedMilliseconds} ms");
    }

    private static Token Next(long[] latest, int slot) =>
        new(((ulong)slot << 32) | (ulong)Interlocked.Increment(ref latest[slot]));

    /// <summary>Waits until the waiting thread has reported <paramref name="token"/>; the write is level-readable until drained, so it cannot be missed by a later wait.</summary>
    private static void AwaitSeen(long[] seen, int slot, Token token, Func<bool> abandoned)
    {
        var clock = Stopwatch.StartNew();
        var spinner = default(SpinWait);
        while (Volatile.Read(ref seen[slot]) != (long)token.Value)
        {
            if (abandoned())
            {
                throw new OperationCanceledException("another thread failed");
            }

            if (clock.Elapsed > SeenWithin)
            {
                throw new TimeoutException($"the write to slot {slot} (token {token}) was not observed within {SeenWithin.TotalSeconds} s");
            }

            spinner.SpinOnce(sleep1Threshold: 10);
        }
    }
}
