using System;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>
/// No readiness is ever lost, however small the buffer: hundreds of pipes are registered while another
/// thread is blocked in Wait (as an event loop registers while its thread waits), then written at once.
/// Every pipe must be reported, and no token of an earlier round (deregistered) may come back. An
/// edge-triggered readiness a backend drops never returns, so a loss shows as a round that does not
/// finish within the bound.
/// </summary>
public sealed class BurstTests
{
    private const int Pipes = 300;
    private const int Rounds = 4;
    private const ulong WakerToken = ulong.MaxValue;

    /// <summary>Every backend, in level and edge mode, with a small, a middling and the default buffer.</summary>
    public static TheoryData<string, PollMode, int> Cases()
    {
        var data = new TheoryData<string, PollMode, int>();
        foreach (var backend in Backends.All())
        {
            foreach (var mode in new[] { PollMode.Level, PollMode.Edge })
            {
                foreach (var capacity in new[] { 4, 16, 256 })
                {
                    data.Add(backend, mode, capacity);
                }
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Every_pipe_of_a_burst_is_reported_while_registrations_race_the_wait(string backend, PollMode mode, int capacity)
    {
        using var poll = Backends.Open(backend);
        Backends.RequireMode(poll, mode);
        using var waker = new Waker(poll.Registry, new Token(WakerToken));
        var pipes = new (int Read, int Write)[Pipes];
        for (var i = 0; i < Pipes; i++)
        {
            pipes[i] = Native.Pipe();
        }

        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                var (missing, foreign) = Burst(poll, waker, pipes, mode, capacity, round);
                Assert.True(missing == 0, $"{backend} {mode} capacity {capacity}, round {round}: {missing} of {Pipes} ready pipes were never reported");
                Assert.True(foreign == 0, $"{backend} {mode} capacity {capacity}, round {round}: {foreign} events carried a token no registration had");
            }
        }
        finally
        {
            foreach (var (read, write) in pipes)
            {
                Native.Close(read);
                Native.Close(write);
            }
        }
    }

    /// <summary>One round: register (tokens of this round), write, collect; then deregister and drain.</summary>
    private static (int Missing, int Foreign) Burst(Poll poll, Waker waker, (int Read, int Write)[] pipes, PollMode mode, int capacity, int round)
    {
        var first = (ulong)(round * Pipes);
        var seen = new bool[Pipes];
        using var all = new CountdownEvent(Pipes);
        using var waiting = new ManualResetEventSlim();
        var foreign = 0;
        var stop = false;
        var waiter = new Thread(() =>
        {
            var events = new Events(capacity);
            waiting.Set();
            while (!Volatile.Read(ref stop))
            {
                poll.Wait(events, null);
                foreach (var e in events)
                {
                    var index = e.Token.Value - first;
                    if (e.Token.Value == WakerToken)
                    {
                        continue;
                    }

                    if (index >= Pipes)
                    {
                        foreign++;
                    }
                    else if (!seen[index])
                    {
                        seen[index] = true;
                        all.Signal();
                    }
                }
            }
        });
        waiter.Start();
        Assert.True(waiting.Wait(Waiting.Arrives));
        for (var i = 0; i < Pipes; i++)
        {
            poll.Registry.Register(pipes[i].Read, new Token(first + (ulong)i), Interest.Readable, mode);
        }

        foreach (var (_, write) in pipes)
        {
            Assert.Equal(1, Native.WriteBytes(write, 1));
        }

        all.Wait(TimeSpan.FromSeconds(10)); // generous: a pass ends as soon as the last pipe is seen
        Volatile.Write(ref stop, true);
        waker.Wake();
        Assert.True(waiter.Join(Waiting.Arrives), "the waiting thread did not stop");
        foreach (var (read, _) in pipes)
        {
            poll.Registry.Deregister(read);
            Native.ReadAll(read);
        }

        return (all.CurrentCount, foreign);
    }
}
