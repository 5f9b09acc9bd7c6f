using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace EporeX.Benchmarks;

/// <summary>
/// An await that has to wait, completed by the loop thread: the benchmark thread starts the operation (it
/// finds nothing and suspends), makes the descriptor ready with one write, and spins until the loop has
/// completed it. One operation is the whole round trip: the write, the loop's wait and dispatch, the
/// continuation (on the thread pool, or inline on the loop thread) and the read. The memory column counts
/// every thread (BenchmarkDotNet reads GC.GetTotalAllocatedBytes(precise: true)), so it includes the loop
/// thread and the thread pool.
/// </summary>
[MemoryDiagnoser]
public class AsyncBenchmarks : IDisposable
{
    private readonly byte[] _buffer = new byte[8];
    private readonly byte[] _one = new byte[1];
    private EventLoop? _loop;
    private AsyncFd? _reader;
    private AsyncFd? _writer;
    private (int Watched, int Trigger) _source;
    private (int Read, int Write) _pipe;
    private int _inPipe;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "epoll";

    /// <summary>False: continuations on the thread pool (the default); true: inline on the loop thread.</summary>
    [Params(false, true)]
    public bool Inline { get; set; }

    public static IEnumerable<string> Backends() => ReadySet.SupportedBackends();

    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop(new EventLoopOptions { Backend = Backend, InlineContinuations = Inline });
        _source = Native.OpenReadySource();
        _reader = _loop.Register(_source.Watched, Interest.Readable, leaveOpen: true); // closed below, with its source
        _pipe = Native.OpenPipe();
        _writer = _loop.Register(_pipe.Write, Interest.Writable, leaveOpen: true);
    }

    /// <summary>ReadAsync finds EAGAIN, waits, and reads once the loop reports the write.</summary>
    [Benchmark]
    public int ReadAsyncThatWaits()
    {
        var read = _reader!.ReadAsync(_buffer);
        Native.MakeReady(_source);
        return Finish(read);
    }

    /// <summary>ReadableAsync waits for the write; the caller drains and clears, as after an EAGAIN.</summary>
    [Benchmark]
    public Readiness ReadableAsyncThatWaits()
    {
        var readable = _reader!.ReadableAsync();
        Native.MakeReady(_source);
        var guard = Finish(readable);
        Native.Drain(_source.Watched);
        guard.ClearReady();
        return guard.Ready;
    }

    /// <summary>WriteAsync on a full pipe waits until the pipe is drained (not timed by the smoke run: it fills the pipe each time).</summary>
    public int WriteAsyncThatWaits()
    {
        _inPipe += Native.Fill(_pipe.Write);
        var write = _writer!.WriteAsync(_one);
        Native.Consume(_pipe.Read, _inPipe);
        _inPipe = Finish(write); // the byte it wrote stays in the pipe
        return _inPipe;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _reader?.Dispose();
        _writer?.Dispose();
        _loop?.Dispose();
        Native.CloseSource(_source);
        Native.Close(_pipe.Read);
        Native.Close(_pipe.Write);
        GC.SuppressFinalize(this);
    }

    /// <summary>Spins (yielding now and then) until the loop has completed the operation; allocates nothing.</summary>
    private static T Finish<T>(ValueTask<T> operation)
    {
        var spinner = default(SpinWait);
        while (!operation.IsCompleted)
        {
            spinner.SpinOnce();
        }

        return operation.Result;
    }
}
