using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace EporeX.FaultDriver;

/// <summary>
/// What a run counted (refusals seen, bytes checked, retries…) and where it is, printed as the one
/// machine-readable result line the tests parse: <c>fault-driver scenario=… backend=… result=… key=value… detail=…</c>.
/// </summary>
internal sealed class Report(string scenario, string backend)
{
    private readonly Dictionary<string, long> _counts = new();
    private readonly Lock _gate = new();
    private volatile string _stage = "start";

    /// <summary>The step under way, for a failure or hang message.</summary>
    public string Stage
    {
        get => _stage;
        set => _stage = value;
    }

    public void Add(string key, long amount = 1)
    {
        lock (_gate)
        {
            _counts[key] = _counts.GetValueOrDefault(key) + amount;
        }
    }

    public void Set(string key, long value)
    {
        lock (_gate)
        {
            _counts[key] = value;
        }
    }

    public long Get(string key)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(key);
        }
    }

    public string Line(string result, string? detail)
    {
        lock (_gate)
        {
            var counts = string.Join(" ", _counts.OrderBy(c => c.Key, System.StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
            var tail = detail is null ? "" : $" detail={detail.ReplaceLineEndings(" ")}";
            return $"fault-driver scenario={scenario} backend={backend} result={result} {counts}{tail}";
        }
    }
}
