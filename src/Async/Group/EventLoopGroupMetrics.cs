using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace EporeX;

/// <summary>
/// The per-loop instruments of every open <see cref="EventLoopGroup"/>, under the <c>EporeX</c> meter
/// (<see cref="EventQueueMetrics.MeterName"/>). Each measurement carries <see cref="GroupTag"/> (the
/// group's name), <see cref="LoopTag"/> (the loop's index) and <see cref="EventQueueMetrics.BackendTag"/>;
/// groups of one name report the sum of their loops of one index.
/// </summary>
/// <remarks>
/// All three are observable: they are read when a listener collects, so the loop thread pays two plain
/// increments per wait and nothing else, listener or not.
/// </remarks>
public static class EventLoopGroupMetrics
{
    /// <summary>The tag with the group's name.</summary>
    public const string GroupTag = "eporex.loop.group";

    /// <summary>The tag with the loop's index in its group (0 to Count - 1).</summary>
    public const string LoopTag = "eporex.loop";

    /// <summary>Up-down counter (observed) of the descriptors registered on each loop, <c>{registration}</c>.</summary>
    public const string Registrations = "eporex.loop.registrations";

    /// <summary>Counter (observed) of the waits each loop thread completed, <c>{wait}</c>.</summary>
    public const string Waits = "eporex.loop.waits";

    /// <summary>Counter (observed) of the events each loop dispatched to its descriptors (its own wakes not counted), <c>{event}</c>.</summary>
    public const string Events = "eporex.loop.events";

    // Weak, as EventQueueMetrics keeps its registries: a group never disposed is not kept alive by metrics.
    private static readonly ConditionalWeakTable<EventLoopGroup, object?> OpenGroups = new();

    // A Meter of the same name as the core's: listeners subscribe by name, so both are one "EporeX" meter to them.
    private static readonly Meter Meter = CreateMeter();

    internal static void Track(EventLoopGroup group)
    {
        _ = Meter; // creates the instruments with the first group
        OpenGroups.AddOrUpdate(group, null);
    }

    internal static void Untrack(EventLoopGroup group) => OpenGroups.Remove(group);

    private static Meter CreateMeter()
    {
        var meter = new Meter(EventQueueMetrics.MeterName);
        meter.CreateObservableUpDownCounter(Registrations, () => Observe(static loop => loop.Count), "{registration}", "Descriptors registered on each loop of a group.");
        meter.CreateObservableCounter(Waits, () => Observe(static loop => loop.Waits), "{wait}", "Waits completed by each loop thread of a group.");
        meter.CreateObservableCounter(Events, () => Observe(static loop => loop.DispatchedEvents), "{event}", "Events dispatched by each loop of a group.");
        return meter;
    }

    private static List<Measurement<long>> Observe(System.Func<EventLoop, long> read)
    {
        // Groups may share a name (the DI group and an app's own, both left at the default): one series per
        // name, loop index and backend, their sum. Two measurements with one tag set in one callback would be
        // merged or dropped by the exporter, whichever it does.
        var sums = new Dictionary<(string Group, int Loop, string Backend), long>();
        foreach (var (group, _) in OpenGroups)
        {
            for (var i = 0; i < group.Count; i++)
            {
                var loop = group[i];
                var key = (group.Name, i, loop.Backend);
                sums[key] = sums.GetValueOrDefault(key) + read(loop);
            }
        }

        var measurements = new List<Measurement<long>>(sums.Count);
        foreach (var ((name, index, backend), value) in sums)
        {
            measurements.Add(new Measurement<long>(value, [
                new(GroupTag, name),
                new(LoopTag, index),
                new(EventQueueMetrics.BackendTag, backend),
            ]));
        }

        return measurements;
    }
}
