using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace EporeX.Benchmarks;

/// <summary>One zero-timeout Wait with R of K registered descriptors ready, plus an indirect call per event.</summary>
[MemoryDiagnoser]
public class WaitBenchmarks : IDisposable
{
    private readonly Events _events = new(1024);
    private ReadySet? _set;
    private Handler[] _handlers = [];

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "epoll";

    [Params(10, 1_000, 10_000)]
    public int K { get; set; }

    [Params(1, 64)]
    public int R { get; set; }

    public static IEnumerable<string> Backends() => ReadySet.SupportedBackends();

    [GlobalSetup]
    public void Setup()
    {
        _set = new ReadySet(Backend, K, R);
        _handlers = _set.Handlers;
        if (Wait() != _set.Ready)
        {
            throw new InvalidOperationException($"expected {_set.Ready} ready events");
        }
    }

    [Benchmark]
    public int Wait()
    {
        var n = _set!.Poll.Wait(_events, TimeSpan.Zero);
        var handlers = _handlers;
        var dispatch = Handler.OnReady;
        foreach (var ev in _events)
        {
            dispatch(handlers[(int)ev.Token.Value]);
        }

        return n;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _set?.Dispose();
        _set = null;
        GC.SuppressFinalize(this);
    }
}
