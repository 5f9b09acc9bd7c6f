using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Scale;

/// <summary>
/// Ten thousand registered descriptors, 64 of them ready: every backend reports exactly those 64. Runs
/// alone: it takes most of the process's descriptor budget for a moment.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ScaleTests(ITestOutputHelper output)
{
    private const int Pairs = 5_000;
    private const int Descriptors = Pairs * 2;
    private const int Ready = 64;

    /// <summary>What the runtime, the test host and the other tests may hold besides ours.</summary>
    private const int Headroom = 1_000;

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Ten_thousand_registered_and_sixty_four_ready_reports_exactly_those(string backend)
    {
        var limit = ResourceLimits.EnsureOpenFiles(Descriptors + Headroom);
        Skip.If(limit < Descriptors + Headroom, $"RLIMIT_NOFILE is {limit} even after raising the soft limit to the hard one; {Descriptors + Headroom} are needed");

        var poll = Backends.Open(backend);
        var fds = new List<int>(Descriptors);
        try
        {
            var clock = Stopwatch.StartNew();
            for (var k = 0; k < Pairs; k++)
            {
                var (a, b) = Native.SocketPair();
                fds.Add(a);
                fds.Add(b);
            }

            var opened = clock.Elapsed;
            for (var i = 0; i < Descriptors; i++)
            {
                poll.Registry.Register(fds[i], new Token((ulong)i), Interest.Readable);
            }

            var registered = clock.Elapsed - opened;
            Assert.Equal(Descriptors, poll.Registry.Count);

            // Spread over the whole set, both ends of the pairs: writing into descriptor i ^ 1 makes i readable.
            var ready = Enumerable.Range(0, Ready).Select(j => (j * (Descriptors / Ready)) + (j % 2)).ToHashSet();
            foreach (var i in ready)
            {
                Assert.Equal(1, Native.WriteBytes(fds[i ^ 1], 1));
            }

            var events = new Events(256);
            var seen = new HashSet<int>();
            var waits = 0;
            var waiting = Stopwatch.StartNew();
            while (seen.Count < Ready && waiting.Elapsed < Waiting.Arrives)
            {
                poll.Wait(events, TimeSpan.FromSeconds(1));
                waits++;
                foreach (var e in events)
                {
                    Assert.True(e.IsReadable, e.ToString());
                    Assert.Contains((int)e.Token.Value, ready);
                    seen.Add((int)e.Token.Value);
                }
            }

            var firstWaits = waiting.Elapsed;
            Assert.Equal(ready.Order(), seen.Order());

            // Level-triggered and with room for all: one more wait reports the same 64, and nothing else.
            waiting.Restart();
            Assert.Equal(Ready, poll.Wait(events, TimeSpan.Zero));
            var steadyWait = waiting.Elapsed;
            Assert.Equal(ready.Order(), events.Select(e => (int)e.Token.Value).Order());

            output.WriteLine($"{backend}: {Descriptors} descriptors opened in {opened.TotalMilliseconds:F0} ms, registered in {registered.TotalMilliseconds:F0} ms; " +
                $"{Ready} ready collected in {waits} wait(s), {firstWaits.TotalMilliseconds:F1} ms; a steady wait over them took {steadyWait.TotalMilliseconds:F2} ms");
        }
        finally
        {
            poll.Dispose();
            foreach (var fd in fds)
            {
                Native.Close(fd);
            }
        }
    }
}
