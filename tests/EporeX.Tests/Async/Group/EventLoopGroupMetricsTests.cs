using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>The group's per-loop instruments: registrations, waits and events, tagged with the group and the loop.</summary>
public sealed class EventLoopGroupMetricsTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Each_loop_reports_its_own_registrations_waits_and_events(string backend)
    {
        var name = $"metrics-{Guid.NewGuid():N}"[..16];
        var group = Groups.Open(backend, 2, name: name);
        using var recorder = new LoopRecorder(name);
        using var pipe = new TestPipe();
        using (var fd = group[1].Register(pipe.Read, Interest.Readable, leaveOpen: true))
        {
            var before = recorder.Observe(EventLoopGroupMetrics.Events);
            Assert.Equal(0, before[1]);
            Assert.Equal(new long[] { 0, 1 }, recorder.Observe(EventLoopGroupMetrics.Registrations));

            for (var i = 0; i < 3; i++)
            {
                var readable = fd.ReadableAsync();
                pipe.Write(1);
                (await AsyncLoops.Within(readable)).ClearReady();
                pipe.Drain();
            }

            var events = recorder.Observe(EventLoopGroupMetrics.Events);
            Assert.InRange(events[1], 3, 6); // one per write (an edge backend may add a read-closed or merged event)
            Assert.Equal(0, events[0]); // loop 0 saw nothing
            var waits = recorder.Observe(EventLoopGroupMetrics.Waits);
            Assert.True(waits[1] >= 3, $"loop 1 completed {waits[1]} waits");
        }

        Assert.Equal(new long[] { 0, 0 }, recorder.Observe(EventLoopGroupMetrics.Registrations));
        group.Dispose();
        Assert.Empty(recorder.ObserveRaw(EventLoopGroupMetrics.Registrations)); // a disposed group reports nothing
    }

    /// <summary>
    /// Two open groups of one name (the DI group and an app's own, both left at the default name) report one
    /// series per loop index, their sum: not two measurements with one tag set, which an exporter would
    /// merge or drop.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Groups_of_one_name_report_one_series_per_loop_their_sum(string backend)
    {
        var name = $"metrics-{Guid.NewGuid():N}"[..16];
        using var first = Groups.Open(backend, 2, name: name);
        using var second = Groups.Open(backend, 2, name: name);
        using var recorder = new LoopRecorder(name);
        using var a = new TestPipe();
        using var b = new TestPipe();
        using var c = new TestPipe();
        using var onFirst = first[0].Register(a.Read, Interest.Readable, leaveOpen: true);
        using var onSecond = second[0].Register(b.Read, Interest.Readable, leaveOpen: true);
        using var onSecondsOther = second[1].Register(c.Read, Interest.Readable, leaveOpen: true);

        Assert.Equal(new long[] { 2, 1 }, recorder.Observe(EventLoopGroupMetrics.Registrations)); // Observe: one measurement per loop index
    }

    [Fact]
    public async Task The_group_and_listener_instruments_have_the_documented_names_and_units()
    {
        await using (var group = new EventLoopGroup(new EventLoopGroupOptions { LoopCount = 1 }))
        {
            await using var listener = EventLoopListener.Bind(group, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        }

        using var meterListener = new MeterListener();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, string?>();
        meterListener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == EventQueueMetrics.MeterName)
            {
                seen[instrument.Name] = instrument.Unit;
            }
        };
        meterListener.Start();

        Assert.Equal("{registration}", seen[EventLoopGroupMetrics.Registrations]);
        Assert.Equal("{wait}", seen[EventLoopGroupMetrics.Waits]);
        Assert.Equal("{event}", seen[EventLoopGroupMetrics.Events]);
        Assert.Equal("{connection}", seen[EventLoopListenerMetrics.Accepted]);
        Assert.Equal("{connection}", seen[EventLoopListenerMetrics.Refused]);
        Assert.Equal("{pause}", seen[EventLoopListenerMetrics.Backoffs]);
        Assert.Equal("eporex.loop.registrations", EventLoopGroupMetrics.Registrations);
        Assert.Equal("eporex.listener.accepted", EventLoopListenerMetrics.Accepted);
    }

    /// <summary>Collects the group instruments for one group name, by loop index.</summary>
    private sealed class LoopRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _group;
        private readonly Lock _gate = new();
        private readonly List<(string Instrument, int Loop, long Value)> _values = [];

        public LoopRecorder(string group)
        {
            _group = group;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EventQueueMetrics.MeterName && instrument.Name.StartsWith("eporex.loop.", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>(Keep);
            _listener.Start();
        }

        public long[] Observe(string instrument)
        {
            var raw = ObserveRaw(instrument);
            var values = new long[2];
            foreach (var (loop, value) in raw)
            {
                values[loop] = value;
            }

            Assert.Equal(2, raw.Count);
            return values;
        }

        public List<(int Loop, long Value)> ObserveRaw(string instrument)
        {
            lock (_gate)
            {
                _values.Clear();
            }

            _listener.RecordObservableInstruments();
            lock (_gate)
            {
                return _values.FindAll(v => v.Instrument == instrument).ConvertAll(v => (v.Loop, v.Value));
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Keep(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            string? group = null;
            int? loop = null;
            string? backend = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case EventLoopGroupMetrics.GroupTag:
                        group = tag.Value as string;
                        break;
                    case EventLoopGroupMetrics.LoopTag:
                        loop = tag.Value as int?;
                        break;
                    case EventQueueMetrics.BackendTag:
                        backend = tag.Value as string;
                        break;
                }
            }

            if (group == _group && loop is { } index)
            {
                Assert.NotNull(backend);
                lock (_gate)
                {
                    _values.Add((instrument.Name, index, value));
                }
            }
        }
    }
}
