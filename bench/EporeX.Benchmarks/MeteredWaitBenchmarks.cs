using System;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace EporeX.Benchmarks;

/// <summary>
/// What the <c>EporeX</c> meter costs a zero-timeout Wait: with no listener (the instruments are off and
/// no clock is read) and with a MeterListener that takes every instrument and sums what it is given, as
/// an exporter's aggregation would.
/// </summary>
[MemoryDiagnoser]
public class MeteredWaitBenchmarks : IDisposable
{
    private readonly Events _events = new(1024);
    private ReadySet? _set;
    private MeterListener? _listener;
    private long _sum;
    private double _seconds;

    /// <summary>The backend: the first that runs here (the meter's cost does not depend on it).</summary>
    public string Backend { get; set; } = ReadySet.SupportedBackends().First();

    [Params(1, 64)]
    public int R { get; set; }

    [Params(false, true)]
    public bool Listener { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _set = new ReadySet(Backend, 100, R);
        if (Listener)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == EventQueueMetrics.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _sum, value));
            _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _seconds += value);
            _listener.Start();
        }

        if (Wait() != _set.Ready)
        {
            throw new InvalidOperationException($"expected {_set.Ready} ready events");
        }
    }

    [Benchmark]
    public int Wait() => _set!.Poll.Wait(_events, TimeSpan.Zero);

    [GlobalCleanup]
    public void Dispose()
    {
        _listener?.Dispose();
        _listener = null;
        _set?.Dispose();
        _set = null;
        GC.SuppressFinalize(this);
    }
}
