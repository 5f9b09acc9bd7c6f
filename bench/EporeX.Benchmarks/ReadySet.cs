using System;
using System.Collections.Generic;
using System.Linq;

namespace EporeX.Benchmarks;

/// <summary>
/// K descriptors registered level-triggered for Readable on one Poll, R of them (spread evenly) made
/// readable and left so: every zero-timeout wait finds the same R events, as in polldispatch.c.
/// </summary>
internal sealed class ReadySet : IDisposable
{
    private readonly (int Watched, int Trigger)[] _sources;

    public ReadySet(string backend, int k, int r)
    {
        var limit = Native.RaiseDescriptorLimit();
        if ((ulong)k * (OperatingSystem.IsLinux() ? 1u : 2u) + 64 > limit)
        {
            throw new InvalidOperationException($"K = {k} needs more descriptors than the limit ({limit}).");
        }

        Poll = EventQueue.CreatePoll(backend);
        _sources = new (int, int)[k];
        for (var i = 0; i < k; i++)
        {
            _sources[i] = Native.OpenReadySource();
            Poll.Registry.Register(_sources[i].Watched, new Token((ulong)i), Interest.Readable);
        }

        Ready = Math.Min(r, k);
        for (var j = 0; j < Ready; j++)
        {
            Native.MakeReady(_sources[(int)((long)j * k / Ready)]);
        }

        Handlers = new Handler[k];
        for (var i = 0; i < k; i++)
        {
            Handlers[i] = new Handler();
        }
    }

    public Poll Poll { get; }

    public int Ready { get; }

    public Handler[] Handlers { get; }

    /// <summary>The backends of this build that can run here (the benchmarks' parameter).</summary>
    public static IEnumerable<string> SupportedBackends() =>
        EventQueue.CreateProviders().Where(p => p.Support.IsSupported).Select(p => p.Name);

    public void Dispose()
    {
        Poll.Dispose();
        foreach (var source in _sources)
        {
            Native.CloseSource(source);
        }
    }
}

/// <summary>What an event loop calls per event; the call goes through a delegate so that it stays indirect, as in the C program.</summary>
internal sealed class Handler
{
    public static readonly Action<Handler> OnReady = static h => h.Hits++;

    public long Hits;
}
