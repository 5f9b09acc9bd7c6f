using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>
/// On a loop that runs continuations on the thread pool, a continuation that blocks holds up no other,
/// whether they came in the same wait or in a later one: code that blocks on another descriptor's await
/// (sync over async) would deadlock under a loop that ran a wait's completions one after another on one
/// thread. Continuations run with the awaiting code's execution context.
/// </summary>
public sealed class AsyncBlockingContinuationTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Continuations_of_one_wait_that_block_on_each_other_all_run(string backend)
    {
        const int count = 3;
        using var loop = AsyncLoops.Open(backend);
        var pipes = Enumerable.Range(0, count).Select(_ => new TestPipe()).ToArray();
        var fds = pipes.Select(p => loop.Register(p.Read, Interest.Readable, leaveOpen: true)).ToArray();
        try
        {
            // Each continuation signals, then blocks until every other has run: none can finish unless
            // all run at once, on as many pool threads.
            using var all = new CountdownEvent(count);
            var continued = fds.Select(fd => SignalThenBlock(fd.ReadableAsync(), all)).ToArray();
            foreach (var pipe in pipes)
            {
                pipe.Write(1); // written together: most often one wait reports all three
            }

            var met = await Task.WhenAll(continued).WaitAsync(AsyncLoops.Patience * 2);
            Assert.All(met, Assert.True);
        }
        finally
        {
            DisposeAll(fds, pipes);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_continuation_that_blocks_does_not_stop_later_completions(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var first = new TestPipe();
        using var second = new TestPipe();
        using var firstFd = loop.Register(first.Read, Interest.Readable, leaveOpen: true);
        using var secondFd = loop.Register(second.Read, Interest.Readable, leaveOpen: true);
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();

        var blocked = BlockUntil(firstFd.ReadableAsync(), started, release);
        first.Write(1);
        Assert.True(started.Wait(AsyncLoops.Patience), "the first continuation did not start");

        // The first continuation holds its pool thread; the second descriptor's event comes in a later wait.
        var later = secondFd.ReadableAsync();
        second.Write(1);
        var guard = await AsyncLoops.Within(later);
        Assert.True(guard.IsReadable);

        release.Set();
        await AsyncLoops.Within(blocked);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Continuations_run_on_pool_threads_with_the_awaiting_code_s_execution_context(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var flowing = new AsyncLocal<string> { Value = "awaiting code" };

        var where = Observe(fd.ReadableAsync(), loop, flowing);
        pipe.Write(1);
        var (onLoop, onPool, value) = await where.WaitAsync(AsyncLoops.Patience);
        Assert.False(onLoop);
        Assert.True(onPool);
        Assert.Equal("awaiting code", value);
    }

    private static async Task<bool> SignalThenBlock(ValueTask<ReadyGuard> readable, CountdownEvent all)
    {
        await readable.ConfigureAwait(false);
        all.Signal();
        return all.Wait(AsyncLoops.Patience * 2);
    }

    private static async Task BlockUntil(ValueTask<ReadyGuard> readable, ManualResetEventSlim started, ManualResetEventSlim release)
    {
        await readable.ConfigureAwait(false);
        started.Set();
        release.Wait(AsyncLoops.Patience * 2);
    }

    private static async Task<(bool OnLoop, bool OnPool, string? Value)> Observe(ValueTask<ReadyGuard> readable, EventLoop loop, AsyncLocal<string> flowing)
    {
        await readable.ConfigureAwait(false);
        return (loop.IsLoopThread, Thread.CurrentThread.IsThreadPoolThread, flowing.Value);
    }

    private static void DisposeAll(AsyncFd[] fds, TestPipe[] pipes)
    {
        foreach (var fd in fds)
        {
            fd.Dispose();
        }

        foreach (var pipe in pipes)
        {
            pipe.Dispose();
        }
    }
}
