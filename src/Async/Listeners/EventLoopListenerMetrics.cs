using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace EporeX;

/// <summary>
/// The instruments of every open <see cref="EventLoopListener"/>, under the <c>EporeX</c> meter
/// (<see cref="EventQueueMetrics.MeterName"/>), each tagged with <see cref="EndPointTag"/> and
/// <see cref="DistributionTag"/>. Observable: read from the listener's counters when a listener of the
/// meter collects, so accepting costs nothing more.
/// </summary>
public static class EventLoopListenerMetrics
{
    /// <summary>The tag with the listener's local endpoint.</summary>
    public const string EndPointTag = "eporex.listener.endpoint";

    /// <summary>The tag with the distribution in use: <c>ReusePort</c> or <c>Acceptor</c>.</summary>
    public const string DistributionTag = "eporex.listener.distribution";

    /// <summary>Counter (observed) of accepted connections, <c>{connection}</c>.</summary>
    public const string Accepted = "eporex.listener.accepted";

    /// <summary>Counter (observed) of connections closed at once at the descriptor limit (the spare descriptor technique), <c>{connection}</c>.</summary>
    public const string Refused = "eporex.listener.refused";

    /// <summary>Counter (observed) of pauses in accepting because descriptors or memory ran out, <c>{pause}</c>.</summary>
    public const string Backoffs = "eporex.listener.backoffs";

    private static readonly ConditionalWeakTable<EventLoopListener, object?> OpenListeners = new();

    private static readonly Meter Meter = CreateMeter();

    internal static void Track(EventLoopListener listener)
    {
        _ = Meter; // creates the instruments with the first listener
        OpenListeners.AddOrUpdate(listener, null);
    }

    internal static void Untrack(EventLoopListener listener) => OpenListeners.Remove(listener);

    private static Meter CreateMeter()
    {
        var meter = new Meter(EventQueueMetrics.MeterName);
        meter.CreateObservableCounter(Accepted, () => Observe(static l => l.AcceptedCount), "{connection}", "Connections accepted by a listener.");
        meter.CreateObservableCounter(Refused, () => Observe(static l => l.RefusedCount), "{connection}", "Connections a listener closed at once at the descriptor limit.");
        meter.CreateObservableCounter(Backoffs, () => Observe(static l => l.BackoffCount), "{pause}", "Pauses in accepting because descriptors or memory ran out.");
        return meter;
    }

    private static List<Measurement<long>> Observe(System.Func<EventLoopListener, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (listener, _) in OpenListeners)
        {
            measurements.Add(new Measurement<long>(read(listener), [
                new(EndPointTag, listener.LocalEndPoint.ToString()),
                new(DistributionTag, listener.Distribution.ToString()),
            ]));
        }

        return measurements;
    }
}
