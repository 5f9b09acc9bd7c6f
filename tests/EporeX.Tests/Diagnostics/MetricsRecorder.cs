using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;

namespace EporeX.Tests.Diagnostics;

/// <summary>A MeterListener on the <c>EporeX</c> meter that keeps the measurements tagged with one backend name.</summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _backend;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<double>> _values = new();

    public MetricsRecorder(string backend)
    {
        _backend = backend;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EventQueueMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every value recorded so far on <paramref name="instrument"/> for this backend name.</summary>
    public double[] Values(string instrument)
    {
        lock (_gate)
        {
            return _values.TryGetValue(instrument, out var list) ? list.ToArray() : [];
        }
    }

    /// <summary>The sum of a counter's measurements for this backend name.</summary>
    public long Sum(string instrument)
    {
        var sum = 0L;
        foreach (var value in Values(instrument))
        {
            sum += (long)value;
        }

        return sum;
    }

    /// <summary>Asks the observable instruments for their current values, then returns the newest for this backend, or null.</summary>
    public double? Observe(string instrument)
    {
        lock (_gate)
        {
            _values.Remove(instrument);
        }

        _listener.RecordObservableInstruments();
        var values = Values(instrument);
        return values.Length == 0 ? null : values[^1];
    }

    public void Dispose() => _listener.Dispose();

    private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == EventQueueMetrics.BackendTag && Equals(tag.Value, _backend))
            {
                lock (_gate)
                {
                    if (!_values.TryGetValue(instrument.Name, out var list))
                    {
                        _values[instrument.Name] = list = [];
                    }

                    list.Add(value);
                }
            }
        }
    }
}
