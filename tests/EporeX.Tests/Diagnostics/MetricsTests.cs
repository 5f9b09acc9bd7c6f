using System;
using System.Linq;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Diagnostics;

/// <summary>
/// The <c>EporeX</c> meter on every backend: what each instrument reports for a known sequence of calls.
/// Each test renames its backend to a unique tag value, so parallel tests do not count here.
/// </summary>
public sealed class MetricsTests
{
    // Long enough to stand out from scheduling noise on a busy machine; the assertions compare
    // measurements with each other and with these lower bounds only (sleeps and timeouts are never early).
    private static readonly TimeSpan Long = TimeSpan.FromMilliseconds(150);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Waits_events_wakes_and_both_durations_are_recorded(string backend)
    {
        using var poll = OpenRenamed(backend, out var name);
        using var recorder = new MetricsRecorder(name);
        using var waker = new Waker(poll.Registry, new Token(7));
        var events = new Events(8);

        waker.Wake();
        waker.Wake();
        waker.Wake();
        Assert.Equal(1, poll.Wait(events, TimeSpan.FromSeconds(5)));   // 1st wait: the three wakes coalesce into one event
        Thread.Sleep(Long);                                            // a long "dispatch"
        Assert.Equal(0, poll.Wait(events, TimeSpan.Zero));             // 2nd wait: never blocks
        Assert.Equal(0, poll.Wait(events, Long));                      // 3rd wait: blocks until the timeout, right after the 2nd

        Assert.Equal(3, recorder.Sum(EventQueueMetrics.Waits));
        Assert.Equal(1, recorder.Sum(EventQueueMetrics.Events));
        Assert.Equal(3, recorder.Sum(EventQueueMetrics.Wakes));

        var waits = recorder.Values(EventQueueMetrics.WaitDuration);
        Assert.Equal(3, waits.Length);
        Assert.True(waits[2] >= Long.TotalSeconds * 0.9, $"the blocking wait measured {waits[2]} s");
        Assert.True(waits[0] < waits[2] && waits[1] < waits[2], $"waits measured {string.Join(", ", waits)} s");

        var dispatch = recorder.Values(EventQueueMetrics.DispatchDuration); // one per gap between two waits
        Assert.Equal(2, dispatch.Length);
        Assert.True(dispatch[0] >= Long.TotalSeconds * 0.9, $"the long dispatch measured {dispatch[0]} s");
        Assert.True(dispatch[1] < dispatch[0], $"dispatches measured {string.Join(", ", dispatch)} s");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Registrations_are_observed_per_open_Poll_and_vanish_with_it(string backend)
    {
        var poll = OpenRenamed(backend, out var name);
        using var recorder = new MetricsRecorder(name);
        var (read1, write1) = Native.Pipe();
        var (read2, write2) = Native.Pipe();
        try
        {
            Assert.Equal(0, recorder.Observe(EventQueueMetrics.Registrations));
            poll.Registry.Register(read1, new Token(1), Interest.Readable);
            poll.Registry.Register(read2, new Token(2), Interest.Readable);
            Assert.Equal(2, recorder.Observe(EventQueueMetrics.Registrations));

            poll.Registry.Deregister(read1);
            Assert.Equal(1, recorder.Observe(EventQueueMetrics.Registrations));

            poll.Dispose();
            Assert.Null(recorder.Observe(EventQueueMetrics.Registrations));
        }
        finally
        {
            poll.Dispose();
            foreach (var fd in new[] { read1, write1, read2, write2 })
            {
                Native.Close(fd);
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_wait_allocates_nothing_with_a_listener_attached(string backend)
    {
        using var poll = OpenRenamed(backend, out var name);
        using var recorder = new MetricsRecorder(name + "-elsewhere"); // listens to every instrument, keeps nothing of ours
        using var waker = new Waker(poll.Registry, new Token(1));
        var events = new Events(8);
        Allocations.AssertNone(
            () =>
            {
                waker.Wake();
                poll.Wait(events, TimeSpan.Zero);
            },
            warmUp: 100,
            perBlock: 1000); // the warm-up also takes the listener's first callbacks
    }

    [Fact]
    public void The_instruments_have_the_documented_names_and_units()
    {
        EventQueue.CreatePoll().Dispose(); // the instruments exist once the first Poll has been made
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, string?>();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == "EporeX")
            {
                seen[instrument.Name] = instrument.Unit;
            }
        };
        listener.Start();

        Assert.Equal("{wait}", seen["eporex.poll.waits"]);
        Assert.Equal("{event}", seen["eporex.poll.events"]);
        Assert.Equal("s", seen["eporex.poll.wait.duration"]);
        Assert.Equal("s", seen["eporex.poll.dispatch.duration"]);
        Assert.Equal("{registration}", seen["eporex.registry.registrations"]);
        Assert.Equal("{wake}", seen["eporex.waker.wakes"]);
        // The loop group's and listeners' instruments share the meter (EventLoopGroupMetricsTests checks them).
        Assert.Equal(6, seen.Keys.Count(k => k.StartsWith("eporex.", StringComparison.Ordinal)
            && !k.StartsWith("eporex.loop.", StringComparison.Ordinal) && !k.StartsWith("eporex.listener.", StringComparison.Ordinal)));
    }

    private static Poll OpenRenamed(string backend, out string name)
    {
        Backends.Open(backend).Dispose(); // skips (or fails, if required) where the backend cannot run
        name = $"{backend}-metrics-{Guid.NewGuid():N}";
        var provider = EventQueue.CreateProviders().Single(p => p.Name == backend);
        return new Poll(new RenamedQueue(provider.Create(), name));
    }
}
