using System;
using System.Diagnostics;
using System.Globalization;

namespace EporeX.Bench.TtyLatency;

/// <summary>Round-trip times of one contender, in <see cref="Stopwatch"/> ticks, and their percentiles.</summary>
/// <param name="id">A short name without spaces, for <see cref="MachineRow"/>.</param>
/// <param name="name">The table's name.</param>
/// <param name="capacity">The round trips it will hold.</param>
internal sealed class Latency(string id, string name, int capacity)
{
    private readonly long[] _ticks = new long[capacity];

    public string Id { get; } = id;

    public string Name { get; } = name;

    public int Count { get; private set; }

    public void Add(long ticks) => _ticks[Count++] = ticks;

    /// <summary>The <paramref name="percent"/>th percentile in microseconds (nearest rank).</summary>
    public double Percentile(double percent)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var sorted = _ticks.AsSpan(0, Count).ToArray();
        Array.Sort(sorted);
        var rank = Math.Clamp((int)Math.Ceiling(percent / 100 * Count) - 1, 0, Count - 1);
        return sorted[rank] * 1e6 / Stopwatch.Frequency;
    }

    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Count:N0} | {Percentile(50):F1} | {Percentile(99):F1} | {Percentile(100):F1} |");

    public string MachineRow() => string.Create(CultureInfo.InvariantCulture,
        $"ROW {Id} round_trips={Count} p50_us={Percentile(50):F1} p99_us={Percentile(99):F1} max_us={Percentile(100):F1}");

    public static string Header => "| reader | round trips | p50 µs | p99 µs | max µs |\n| --- | ---: | ---: | ---: | ---: |";
}
