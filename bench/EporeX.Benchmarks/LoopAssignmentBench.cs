using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace EporeX.Benchmarks;

/// <summary>
/// EventLoopGroup.Next: round robin against least registered, to choose the default. Three measures per
/// strategy, on real loops and real registrations (pipe read ends):
/// the cost of one Next(); the balance of registered counts under churn, with lifetimes that are alike
/// (uniform) or heavy-tailed (most short, a few long, as HTTP keep-alive and long polls mix); and the
/// balance after a concurrent burst of assignments from several threads into an empty group.
/// </summary>
internal static class LoopAssignmentBench
{
    public static int Run(string[] args)
    {
        var loops = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 4;
        var steps = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var limit = Native.RaiseDescriptorLimit();
        Console.WriteLine($"loops {loops}, churn steps {steps}, backend {EventQueue.CreatePoll().Backend}, RLIMIT_NOFILE {limit}, {Environment.ProcessorCount} CPUs");
        Console.WriteLine();
        Console.WriteLine("| strategy | Next() ns | uniform: mean (max-min)/mean | uniform: worst max-min | heavy-tailed: mean (max-min)/mean | heavy-tailed: worst max-min | churn steps/s | burst 2x2000: max-min | batches of 64 assigned, then registered: max-min |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var strategy in new[] { LoopAssignment.RoundRobin, LoopAssignment.LeastRegistered })
        {
            using var group = new EventLoopGroup(new EventLoopGroupOptions { LoopCount = loops, Assignment = strategy });
            var ns = NextCost(group);
            var uniform = Churn(group, steps, seed: 1, rng => rng.Next(1, 4_000));
            var tailed = Churn(group, steps, seed: 2, rng => rng.NextDouble() < 0.95 ? rng.Next(1, 40) : rng.Next(10_000, 60_000));
            var burst = Burst(group, threads: 2, each: 2_000, batch: 1);
            var batched = Burst(group, threads: 2, each: 2_048, batch: 64);
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"| {strategy} | {ns:F1} | {uniform.MeanSpread:P1} | {uniform.WorstGap} | {tailed.MeanSpread:P1} | {tailed.WorstGap} | {tailed.StepsPerSecond:N0} | {burst} | {batched} |"));
        }

        return 0;
    }

    /// <summary>Nanoseconds per Next() with 64 descriptors registered per loop (so least-registered reads real counts).</summary>
    private static double NextCost(EventLoopGroup group)
    {
        var held = new List<(AsyncFd Fd, (int Read, int Write) Pipe)>();
        foreach (var loop in group)
        {
            for (var i = 0; i < 64; i++)
            {
                var pipe = Native.OpenPipe();
                held.Add((loop.Register(pipe.Read, Interest.Readable), pipe));
            }
        }

        const int Calls = 5_000_000;
        for (var i = 0; i < Calls / 10; i++)
        {
            group.Next();
        }

        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Calls; i++)
            {
                group.Next();
            }

            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / Calls);
        }

        foreach (var (fd, pipe) in held)
        {
            fd.Dispose();
            Native.Close(pipe.Read);
            Native.Close(pipe.Write);
        }

        return best;
    }

    /// <summary>
    /// Each step one descriptor arrives (assigned by Next, registered) with a lifetime in steps, and those
    /// whose lifetime ended are disposed; after a warm-up the spread of the loops' counts is sampled.
    /// </summary>
    private static (double MeanSpread, int WorstGap, double StepsPerSecond) Churn(EventLoopGroup group, int steps, int seed, Func<Random, int> lifetime)
    {
        var rng = new Random(seed);
        var free = new Stack<(int Read, int Write)>();
        var ending = new PriorityQueue<(AsyncFd Fd, (int Read, int Write) Pipe), int>();
        var spreads = new List<double>();
        var worst = 0;
        var clock = Stopwatch.StartNew();
        for (var step = 0; step < steps; step++)
        {
            while (ending.TryPeek(out _, out var end) && end <= step)
            {
                var (fd, pipe) = ending.Dequeue();
                fd.Dispose();
                free.Push(pipe);
            }

            var reuse = free.Count > 0 ? free.Pop() : Native.OpenPipe();
            var loop = group.Next();
            ending.Enqueue((loop.Register(reuse.Read, Interest.Readable), reuse), step + lifetime(rng));
            if (step > steps / 4 && step % 50 == 0)
            {
                var counts = group.Select(l => l.Count).ToArray();
                var gap = counts.Max() - counts.Min();
                worst = Math.Max(worst, gap);
                spreads.Add((double)gap / counts.Average());
            }
        }

        var rate = steps / clock.Elapsed.TotalSeconds;
        while (ending.TryDequeue(out var item, out _))
        {
            item.Fd.Dispose();
            free.Push(item.Pipe);
        }

        foreach (var pipe in free)
        {
            Native.Close(pipe.Read);
            Native.Close(pipe.Write);
        }

        return (spreads.Average(), worst, rate);
    }

    /// <summary>
    /// Threads assign and register at once into an empty group: the gap between the fullest and emptiest
    /// loop. With <paramref name="batch"/> &gt; 1 each thread picks a batch of loops before registering any
    /// (an acceptor that drains its backlog before handing out): counts lag behind the assignments.
    /// </summary>
    private static int Burst(EventLoopGroup group, int threads, int each, int batch)
    {
        var pipes = Enumerable.Range(0, threads * each).Select(_ => Native.OpenPipe()).ToArray();
        var fds = new AsyncFd[pipes.Length];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            var picked = new EventLoop[batch];
            for (var i = t * each; i < (t + 1) * each; i += batch)
            {
                for (var j = 0; j < batch; j++)
                {
                    picked[j] = group.Next();
                }

                for (var j = 0; j < batch; j++)
                {
                    fds[i + j] = picked[j].Register(pipes[i + j].Read, Interest.Readable);
                }
            }
        })).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        var counts = group.Select(l => l.Count).ToArray();
        foreach (var fd in fds)
        {
            fd.Dispose();
        }

        foreach (var pipe in pipes)
        {
            Native.Close(pipe.Read);
            Native.Close(pipe.Write);
        }

        return counts.Max() - counts.Min();
    }
}
