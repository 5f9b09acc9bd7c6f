using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace EporeX.Benchmarks;

/// <summary>The registration hot path on a descriptor the queue has seen, and the Wake → Wait round trip.</summary>
[MemoryDiagnoser]
public class RegistrationBenchmarks : IDisposable
{
    private readonly Events _events = new(64);
    private Poll? _poll;
    private Waker? _waker;
    private (int Watched, int Trigger) _source;
    private (int Watched, int Trigger) _churned;
    private bool _writable;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "epoll";

    public static IEnumerable<string> Backends() => ReadySet.SupportedBackends();

    [GlobalSetup]
    public void Setup()
    {
        _poll = EventQueue.CreatePoll(Backend);
        _source = Native.OpenReadySource();
        _churned = Native.OpenReadySource();
        _poll.Registry.Register(_source.Watched, new Token(1), Interest.Readable);
        _waker = new Waker(_poll.Registry, new Token(2));
        RegisterDeregister(); // the first registration of a number may grow the registry's table
    }

    /// <summary>Register then Deregister the same descriptor: two kernel calls on epoll and kqueue.</summary>
    [Benchmark]
    public void RegisterDeregister()
    {
        _poll!.Registry.Register(_churned.Watched, new Token(3), Interest.Readable);
        _poll.Registry.Deregister(_churned.Watched);
    }

    /// <summary>Switch a registered descriptor between Readable and Readable | Writable.</summary>
    [Benchmark]
    public void Reregister()
    {
        _writable = !_writable;
        _poll!.Registry.Reregister(_source.Watched, new Token(1), _writable ? Interest.Readable | Interest.Writable : Interest.Readable);
    }

    /// <summary>Wake, then a zero-timeout Wait that reports the waker's token.</summary>
    [Benchmark]
    public int WakeThenWait()
    {
        _waker!.Wake();
        return _poll!.Wait(_events, TimeSpan.Zero);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _waker?.Dispose();
        _poll?.Dispose();
        if (_poll is not null)
        {
            Native.CloseSource(_source);
            Native.CloseSource(_churned);
        }

        _poll = null;
        GC.SuppressFinalize(this);
    }
}
