using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace EporeX.Benchmarks;

/// <summary>The event sources' hot paths: Arm, an expiration waited for and consumed, a signal delivered and consumed.</summary>
[MemoryDiagnoser]
public class SourceBenchmarks : IDisposable
{
    private readonly Events _events = new(8);
    private Poll? _poll;
    private TimerSource? _timer;
    private SignalSource? _signal;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "epoll";

    public static IEnumerable<string> Backends() => ReadySet.SupportedBackends();

    [GlobalSetup]
    public void Setup()
    {
        _poll = EventQueue.CreatePoll(Backend);
        _timer = new TimerSource(_poll.Registry, new Token(1));
        _signal = new SignalSource(_poll.Registry, new Token(2), Native.SIGCONT);
    }

    /// <summary>Arm a periodic timer far in the future (one timerfd_settime or two kevent changes).</summary>
    [Benchmark]
    public void TimerArm() => _timer!.Arm(TimeSpan.FromHours(1), TimeSpan.FromHours(1));

    /// <summary>Arm for "now", Wait for the expiration, Consume it.</summary>
    [Benchmark]
    public long TimerExpireConsume()
    {
        _timer!.Arm(TimeSpan.Zero);
        long got = 0;
        while (got == 0)
        {
            _poll!.Wait(_events, TimeSpan.FromSeconds(1));
            got = _timer.Consume();
        }

        return got;
    }

    /// <summary>kill(getpid(), SIGCONT), Wait for the source's event, Consume the count.</summary>
    [Benchmark]
    public int SignalRoundTrip()
    {
        _ = Native.Kill(Environment.ProcessId, Native.SIGCONT);
        var got = 0;
        while (got == 0)
        {
            _poll!.Wait(_events, TimeSpan.FromSeconds(1));
            got = _signal!.Consume();
        }

        return got;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _signal?.Dispose();
        _timer?.Dispose();
        _poll?.Dispose();
        _poll = null;
        GC.SuppressFinalize(this);
    }
}
