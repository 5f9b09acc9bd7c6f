using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>Any number of awaits per direction: woken in the order they began, each cancellable on its own, pooled.</summary>
public sealed class AsyncWaiterQueueTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Awaits_are_woken_in_the_order_they_began(string backend)
    {
        // Inline continuations run as each await is completed, so their order is the completion order.
        using var loop = AsyncLoops.Open(backend, inline: true);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var order = new List<int>();
        var waiters = Enumerable.Range(0, 16).Select(i => Record(fd, i, order)).ToArray();
        await Task.Delay(AsyncLoops.Quiet);
        Assert.All(waiters, w => Assert.False(w.IsCompleted));

        pipe.Write(1);
        await Task.WhenAll(waiters).WaitAsync(AsyncLoops.Patience);
        lock (order)
        {
            Assert.Equal(Enumerable.Range(0, 16), order);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Each_await_is_cancelled_on_its_own_and_the_others_still_complete(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        using var first = new CancellationTokenSource();
        using var middle = new CancellationTokenSource();
        var a = fd.ReadableAsync(first.Token).AsTask();
        var b = fd.ReadableAsync(middle.Token).AsTask();
        var c = fd.ReadAsync(new byte[8]).AsTask();
        var d = fd.ReadableAsync(middle.Token).AsTask(); // two awaits on one token: both end with it

        await middle.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.WaitAsync(AsyncLoops.Patience));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => d.WaitAsync(AsyncLoops.Patience));
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(a.IsCompleted || c.IsCompleted, "a cancellation ended another await");

        pipe.Write(3);
        Assert.True((await a.WaitAsync(AsyncLoops.Patience)).IsReadable);
        Assert.Equal(3, await c.WaitAsync(AsyncLoops.Patience));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Readers_writers_and_both_direction_awaits_wait_together(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (a, b) = Native.SocketPair();
        try
        {
            using var fd = loop.Register(a, Interest.Readable | Interest.Writable, leaveOpen: true);
            await AsyncLoops.Within(fd.WritableAsync()); // the registration's first report is in
            Native.FillUntilFull(a);

            // The first writer's send meets EAGAIN and clears the stale writability; the others then wait too.
            var writers = new Task[] { fd.WriteAsync(new byte[1]).AsTask(), fd.WritableAsync().AsTask(), fd.WritableAsync().AsTask() };
            var readers = Enumerable.Range(0, 3).Select(_ => fd.ReadableAsync().AsTask()).ToArray();
            var either = fd.ReadyAsync(Interest.Readable | Interest.Writable).AsTask();
            await Task.Delay(AsyncLoops.Quiet);
            Assert.All(readers.Concat(writers).Append(either), t => Assert.False(t.IsCompleted));

            Native.WriteBytes(b, 1); // readable: the readers and the either-await, not the writers
            await Task.WhenAll(readers).WaitAsync(AsyncLoops.Patience);
            Assert.True((await either.WaitAsync(AsyncLoops.Patience)).IsReadable);
            await Task.Delay(AsyncLoops.Quiet);
            Assert.All(writers, t => Assert.False(t.IsCompleted));

            Native.ReadAll(b); // room again: the writers
            await Task.WhenAll(writers).WaitAsync(AsyncLoops.Patience);
        }
        finally
        {
            Native.Close(a);
            Native.Close(b);
        }
    }

    private static async Task Record(AsyncFd fd, int index, List<int> order)
    {
        await fd.ReadableAsync().ConfigureAwait(false); // no context: the continuation runs inline, in completion order
        lock (order)
        {
            order.Add(index);
        }
    }
}
