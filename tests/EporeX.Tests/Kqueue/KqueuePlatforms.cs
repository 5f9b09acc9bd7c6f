using System.Linq;
using EporeX.Bsd.Kqueue;

namespace EporeX.Tests.Kqueue;

/// <summary>Every kqueue platform description, as theory data.</summary>
public static class KqueuePlatforms
{
    private static readonly KqueuePlatform[] All =
    [
        KqueuePlatform.MacOS, KqueuePlatform.FreeBSD, KqueuePlatform.OpenBSD, KqueuePlatform.NetBSD, KqueuePlatform.LibKqueue,
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var p in All)
        {
            data.Add(p.Name);
        }

        return data;
    }

    internal static KqueuePlatform ByName(string name) => All.Single(p => p.Name == name);
}
