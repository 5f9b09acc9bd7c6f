using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Runtime.CompilerServices;

namespace EporeX;

/// <summary>
/// The names of the <c>EporeX</c> meter and its instruments (System.Diagnostics.Metrics), for an
/// OpenTelemetry <c>AddMeter(EventQueueMetrics.MeterName)</c> or
/// <c>dotnet-counters monitor --counters EporeX -p PID</c>. Every measurement carries the tag
/// <see cref="BackendTag"/> (<c>epoll</c>, <c>kqueue</c>, <c>poll</c>).
/// </summary>
/// <remarks>
/// With no listener the instruments cost one flag test per call and no clock read; with a listener a
/// measurement allocates nothing.
/// </remarks>
public static class EventQueueMetrics
{
    /// <summary>The meter's name: <c>EporeX</c>.</summary>
    public const string MeterName = "EporeX";

    /// <summary>The tag every measurement carries: the backend's name.</summary>
    public const string BackendTag = "eporex.backend";

    /// <summary>Counter of completed <see cref="Poll.Wait"/> calls, <c>{wait}</c>.</summary>
    public const string Waits = "eporex.poll.waits";

    /// <summary>Counter of events the waits delivered, <c>{event}</c>.</summary>
    public const string Events = "eporex.poll.events";

    /// <summary>Histogram of the time each wait spent in the kernel (blocked or not), in seconds.</summary>
    public const string WaitDuration = "eporex.poll.wait.duration";

    /// <summary>
    /// Histogram of the time between a wait's return and the next wait's start on the same Poll, in
    /// seconds: the time the waiting thread spent dispatching what it was told.
    /// </summary>
    public const string DispatchDuration = "eporex.poll.dispatch.duration";

    /// <summary>Up-down counter (observed) of the descriptors registered on every open Poll, <c>{registration}</c>.</summary>
    public const string Registrations = "eporex.registry.registrations";

    /// <summary>Counter of <see cref="Waker.Wake"/> calls, <c>{wake}</c>.</summary>
    public const string Wakes = "eporex.waker.wakes";

    // Every open Registry, for the observed registration count; weak, so a Poll never disposed is not kept alive.
    private static readonly ConditionalWeakTable<Registry, object?> OpenRegistries = new();

    private static readonly Meter Meter = CreateMeter();

    internal static readonly Counter<long> WaitCounter =
        Meter.CreateCounter<long>(Waits, "{wait}", "Completed waits.");

    internal static readonly Counter<long> EventCounter =
        Meter.CreateCounter<long>(Events, "{event}", "Events delivered by waits.");

    internal static readonly Histogram<double> WaitHistogram =
        Meter.CreateHistogram<double>(WaitDuration, "s", "Time each wait spent in the kernel.");

    internal static readonly Histogram<double> DispatchHistogram =
        Meter.CreateHistogram<double>(DispatchDuration, "s", "Time between a wait's return and the next wait on the same Poll.");

    internal static readonly Counter<long> WakeCounter =
        Meter.CreateCounter<long>(Wakes, "{wake}", "Waker.Wake calls.");

    /// <summary>True when a listener wants any of the per-wait instruments.</summary>
    internal static bool WaitsObserved =>
        WaitCounter.Enabled || EventCounter.Enabled || WaitHistogram.Enabled || DispatchHistogram.Enabled;

    /// <summary>True when a listener wants a clock read around each wait.</summary>
    internal static bool WaitsTimed => WaitHistogram.Enabled || DispatchHistogram.Enabled;

    internal static KeyValuePair<string, object?> Tag(string backend) => new(BackendTag, backend);

    internal static void Track(Registry registry) => OpenRegistries.AddOrUpdate(registry, null);

    internal static void Untrack(Registry registry) => OpenRegistries.Remove(registry);

    /// <summary>Records one wait; <paramref name="started"/> and <paramref name="returned"/> are 0 when untimed.</summary>
    internal static void RecordWait(KeyValuePair<string, object?> tag, int count, long started, long returned, long previousReturn)
    {
        WaitCounter.Add(1, tag);
        if (count > 0)
        {
            EventCounter.Add(count, tag);
        }

        if (started != 0)
        {
            WaitHistogram.Record(Stopwatch.GetElapsedTime(started, returned).TotalSeconds, tag);
            if (previousReturn != 0)
            {
                DispatchHistogram.Record(Stopwatch.GetElapsedTime(previousReturn, started).TotalSeconds, tag);
            }
        }
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName);
        meter.CreateObservableUpDownCounter(Registrations, ObserveRegistrations, "{registration}", "Descriptors registered on open Polls.");
        return meter;
    }

    private static IEnumerable<Measurement<long>> ObserveRegistrations() =>
        OpenRegistries
            .GroupBy(entry => entry.Key.Backend)
            .Select(group => new Measurement<long>(group.Sum(entry => (long)entry.Key.Count), Tag(group.Key)));
}
