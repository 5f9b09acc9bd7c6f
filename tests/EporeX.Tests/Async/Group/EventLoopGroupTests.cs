using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>EventLoopGroup: N independent loops, Next() by round robin or least registered, disposal of all.</summary>
public sealed class EventLoopGroupTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Each_loop_of_a_group_serves_its_own_descriptors_on_its_own_thread(string backend)
    {
        using var group = Groups.Open(backend, 3, inline: true);
        Assert.Equal(3, group.Count);
        Assert.Equal(backend, group.Backend);
        Assert.Equal(3, group.Distinct().Count());

        var threads = new HashSet<int>();
        var pipes = Enumerable.Range(0, 3).Select(_ => new TestPipe()).ToArray();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var fd = group[i].Register(pipes[i].Read, Interest.Readable, leaveOpen: true);
                var index = i;
                var probe = Groups.OnLoopThread(fd, () => (group[(index + 1) % 3].IsLoopThread, Environment.CurrentManagedThreadId));
                pipes[i].Write(1);
                var (onLoop, (onOther, thread)) = await probe.WaitAsync(AsyncLoops.Patience);
                Assert.True(onLoop); // inline continuation: on loop i's own thread
                Assert.False(onOther);
                threads.Add(thread);
            }
        }
        finally
        {
            foreach (var pipe in pipes)
            {
                pipe.Dispose();
            }
        }

        Assert.Equal(3, threads.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Round_robin_gives_each_loop_in_turn(string backend)
    {
        using var group = Groups.Open(backend, 3);
        var picked = Enumerable.Range(0, 9).Select(_ => group.IndexOf(group.Next())).ToArray();
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 2, 0, 1, 2 }, picked);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Least_registered_picks_the_emptiest_loop_and_goes_round_on_ties(string backend)
    {
        using var group = Groups.Open(backend, 3, LoopAssignment.LeastRegistered);
        using var a = new TestPipe();
        using var b = new TestPipe();
        using var c = new TestPipe();

        // An idle group: every count is 0, and ties go round rather than all to loop 0.
        Assert.Equal(3, Enumerable.Range(0, 3).Select(_ => group.Next()).Distinct().Count());

        using var onZero = group[0].Register(a.Read, Interest.Readable, leaveOpen: true);
        using var onZeroAgain = group[0].Register(b.Read, Interest.Readable, leaveOpen: true);
        using var onTwo = group[2].Register(c.Read, Interest.Readable, leaveOpen: true);
        for (var i = 0; i < 6; i++)
        {
            Assert.Same(group[1], group.Next()); // counts 2, 0, 1: always loop 1, whatever the turn
        }

        Assert.Equal(3, group.RegisteredCount);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Dispose_stops_every_loop_and_fails_their_pending_awaits(string backend)
    {
        var group = Groups.Open(backend, 2);
        using var first = new TestPipe();
        using var second = new TestPipe();
        using var onFirst = group[0].Register(first.Read, Interest.Readable, leaveOpen: true);
        using var onSecond = group[1].Register(second.Read, Interest.Readable, leaveOpen: true);
        var waits = new[] { onFirst.ReadableAsync().AsTask(), onSecond.ReadableAsync().AsTask() };

        await group.DisposeAsync();

        foreach (var wait in waits)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => AsyncLoops.Within(wait));
        }

        foreach (var loop in group)
        {
            Assert.Throws<ObjectDisposedException>(() => loop.Register(first.Read, Interest.Readable, leaveOpen: true));
        }

        Assert.Throws<ObjectDisposedException>(() => group.Next());
        group.Dispose(); // again: nothing
    }

    [SkippableFact]
    public void Without_a_count_a_group_has_a_loop_per_processor()
    {
        using var group = new EventLoopGroup();
        Assert.Equal(Environment.ProcessorCount, group.Count);
        Assert.Equal(LoopAssignment.LeastRegistered, group.Assignment); // the measured default (bench/README.md)
        Assert.Equal("off", group.AffinityReport);
        Assert.All(group.PinnedCpus, cpu => Assert.Equal(-1, cpu));
    }

    [SkippableFact]
    public void Bad_options_are_refused_with_typed_errors_and_nothing_is_left_running()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoopGroup(new EventLoopGroupOptions { LoopCount = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoopGroup(new EventLoopGroupOptions { EventCapacity = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoopGroup(new EventLoopGroupOptions { Assignment = (LoopAssignment)7 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoopGroup(new EventLoopGroupOptions { Affinity = (LoopThreadAffinity)7 }));
        Assert.Throws<ArgumentException>(() => new EventLoopGroup(new EventLoopGroupOptions { Name = " " }));
        Assert.Throws<EventQueueUnavailableException>(() => new EventLoopGroup(new EventLoopGroupOptions { Backend = "no-such-backend", LoopCount = 2 }));

        using var group = new EventLoopGroup(new EventLoopGroupOptions { LoopCount = 2 });
        Assert.Throws<ArgumentOutOfRangeException>(() => group[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => group[-1]);
    }
}
