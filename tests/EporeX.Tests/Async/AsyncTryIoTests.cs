using System;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>
/// tokio's <c>try_io</c> and <c>async_io</c>: <see cref="ReadyGuard.TryIo{TState, TResult}"/> clears the
/// guard's readiness only when the operation would block; <see cref="AsyncFd.IoAsync{TState, TResult}"/>
/// runs the operation once ready, again after each new readiness, and completes at once when it can.
/// </summary>
public sealed class AsyncTryIoTests
{
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task IoAsync_waits_for_readiness_then_returns_the_operation_result(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var attempts = new StrongBox<int>();

        var read = fd.IoAsync(Interest.Readable, (pipe.Read, attempts), ReadOne);
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(read.IsCompleted, "nothing was written");

        pipe.Write(1);
        Assert.Equal(1, await AsyncLoops.Within(read));
        Assert.InRange(attempts.Value, 1, 3); // only after readiness: a busy loop would have tried thousands of times
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task IoAsync_tries_again_after_a_stale_readiness(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        pipe.Write(1);
        var guard = await AsyncLoops.Within(fd.ReadableAsync()); // readiness known…
        Assert.True(guard.IsReadable);
        Assert.Equal(1, pipe.Drain()); // …and stale: the first attempt would block

        var attempts = new StrongBox<int>();
        var read = fd.IoAsync(Interest.Readable, (pipe.Read, attempts), ReadOne);
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(read.IsCompleted, "the stale readiness was cleared and nothing new came");
        Assert.Equal(1, attempts.Value);

        pipe.Write(1);
        Assert.Equal(1, await AsyncLoops.Within(read));
        Assert.Equal(2, attempts.Value);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task TryIo_that_would_block_clears_the_readiness_the_guard_saw(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        pipe.Write(1);
        var guard = await AsyncLoops.Within(fd.ReadableAsync());
        Assert.Equal(1, pipe.Drain());

        Assert.False(guard.TryIo((pipe.Read, new StrongBox<int>()), ReadOne, out _));

        var waiting = fd.ReadableAsync();
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(waiting.IsCompleted, "TryIo saw would-block: the readiness is cleared");
        pipe.Write(1);
        Assert.True((await AsyncLoops.Within(waiting)).IsReadable);
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task ClearReady_of_one_direction_keeps_the_other(string backend, bool inline)
    {
        // tokio's clear_ready_matching: a read that met EAGAIN must not forget the writability the same
        // guard saw, since an idle socket's send buffer raises no new writable edge.
        using var loop = AsyncLoops.Open(backend, inline);
        var (peer, mine) = Native.SocketPair();
        try
        {
            using var fd = loop.Register(mine, Interest.Readable | Interest.Writable);
            Assert.Equal(1, Native.WriteByte(peer, 7));
            var guard = await AsyncLoops.Within(fd.ReadyAsync(Interest.Readable | Interest.Writable));
            for (var i = 0; i < 50 && !(guard.IsReadable && guard.IsWritable); i++)
            {
                await Task.Delay(10); // the two directions' events may come in two waits
                guard = await AsyncLoops.Within(fd.ReadyAsync(Interest.Readable | Interest.Writable));
            }

            Assert.True(guard.IsReadable && guard.IsWritable, $"expected both directions ready, got {guard}");
            Assert.Equal(1, Native.ReadAll(mine));
            guard.ClearReady(Interest.Readable);

            var writable = await AsyncLoops.Within(fd.WritableAsync()); // still known: completes at once
            Assert.True(writable.IsWritable);
            var readable = fd.ReadableAsync();
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(readable.IsCompleted, "the read direction was cleared and nothing new came");
            Assert.Equal(1, Native.WriteByte(peer, 8));
            Assert.True((await AsyncLoops.Within(readable)).IsReadable);

            Assert.Throws<ArgumentException>(() => guard.ClearReady(0));
            Assert.Throws<ArgumentException>(() => guard.ClearReady((Interest)0x40));
            default(ReadyGuard).ClearReady(Interest.Writable); // a default guard: nothing
        }
        finally
        {
            Native.Close(peer);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task TryIo_that_completes_keeps_the_readiness(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        pipe.Write(2);
        var guard = await AsyncLoops.Within(fd.ReadableAsync());

        Assert.True(guard.TryIo((pipe.Read, new StrongBox<int>()), ReadOne, out var n));
        Assert.Equal(1, n);

        var again = fd.ReadableAsync();
        Assert.True(again.IsCompletedSuccessfully, "one byte is left: the readiness must stay known");
        Assert.True((await again).IsReadable);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task An_exception_from_the_operation_propagates_and_leaves_the_readiness(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        pipe.Write(1);
        var guard = await AsyncLoops.Within(fd.ReadableAsync());

        Assert.Throws<InvalidOperationException>(() => guard.TryIo(0, (NonBlockingOperation<int, int>)Refuse, out _));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await fd.IoAsync(Interest.Readable, 0, (NonBlockingOperation<int, int>)Refuse));

        var again = fd.ReadableAsync();
        Assert.True(again.IsCompletedSuccessfully, "the readiness stays after a failed attempt");
        await again;
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task AsyncFd_TryIo_runs_only_when_known_ready_and_clears_on_would_block(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var calls = new StrongBox<int>();

        Assert.False(fd.TryIo(Interest.Readable, (pipe.Read, calls), ReadAll, out int _));
        Assert.Equal(0, calls.Value); // not known ready: not called

        pipe.Write(3);
        await AsyncLoops.Within(fd.ReadableAsync());
        Assert.True(fd.TryIo(Interest.Readable, (pipe.Read, calls), ReadAll, out int n));
        Assert.Equal(3, n);
        Assert.Equal(1, calls.Value);

        Assert.False(fd.TryIo(Interest.Readable, (pipe.Read, calls), ReadAll, out int _)); // EAGAIN: clears
        Assert.Equal(2, calls.Value);
        Assert.False(fd.TryIo(Interest.Readable, (pipe.Read, calls), ReadAll, out int _));
        Assert.Equal(2, calls.Value); // cleared: not called

        var wait = fd.ReadableAsync();
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(wait.IsCompleted);
        pipe.Write(1);
        await AsyncLoops.Within(wait);
        Assert.True(fd.TryIo(Interest.Readable, (pipe.Read, calls), ReadAll, out n));
        Assert.Equal(1, n);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Bad_arguments_cancellation_and_Dispose_get_typed_errors(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var state = (pipe.Read, new StrongBox<int>());

        Assert.Throws<ArgumentNullException>(() => AsyncLoops.Start(fd.IoAsync<int, int>(Interest.Readable, 0, null!)));
        Assert.Throws<ArgumentNullException>(() => default(ReadyGuard).TryIo<int, int>(0, null!, out _));
        Assert.Throws<ArgumentException>(() => AsyncLoops.Start(fd.IoAsync(Interest.Writable, state, ReadOne)));
        Assert.Throws<ArgumentException>(() => AsyncLoops.Start(fd.IoAsync(0, state, ReadOne)));
        Assert.Throws<ArgumentNullException>(() => fd.TryIo<int, int>(Interest.Readable, 0, null!, out _));
        Assert.Throws<ArgumentException>(() => fd.TryIo(Interest.Writable, state, ReadOne, out _));
        Assert.Throws<ArgumentException>(() => fd.TryIo(0, state, ReadOne, out _));

        using (var cts = new CancellationTokenSource())
        {
            var pending = fd.IoAsync(Interest.Readable, state, ReadOne, cts.Token);
            var other = fd.IoAsync(Interest.Readable, state, ReadOne).AsTask(); // a second waiter is fine
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await AsyncLoops.Within(pending));
            Assert.False(other.IsCompleted); // cancelled alone
            pipe.Write(1);
            Assert.Equal(1, await other.WaitAsync(AsyncLoops.Patience));
        }

        pipe.Write(1); // the registration survived the cancellation
        Assert.Equal(1, await AsyncLoops.Within(fd.IoAsync(Interest.Readable, state, ReadOne)));

        var waiting = fd.IoAsync(Interest.Readable, state, ReadOne);
        fd.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await AsyncLoops.Within(waiting));
        Assert.Throws<ObjectDisposedException>(() => AsyncLoops.Start(fd.IoAsync(Interest.Readable, state, ReadOne)));
        Assert.Throws<ObjectDisposedException>(() => fd.TryIo(Interest.Readable, state, ReadOne, out _));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task IoAsync_that_completes_at_once_allocates_nothing(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        pipe.Write(8000);
        await AsyncLoops.Within(fd.ReadableAsync());
        var state = (pipe.Read, new StrongBox<int>());

        var wrong = 0;
        Allocations.AssertNone(
            () =>
            {
                var read = fd.IoAsync(Interest.Readable, state, ReadOne);
                wrong += read.IsCompletedSuccessfully && read.Result == 1 ? 0 : 1; // (xunit's asserts allocate)
            },
            warmUp: 100,
            perBlock: 500,
            maxBlocks: 8);
        Assert.Equal(0, wrong);
    }

    private static readonly NonBlockingOperation<(int Fd, StrongBox<int> Attempts), int> ReadOne = ReadOneByte;

    /// <summary>One non-blocking read of one byte; false on EAGAIN. Counts its attempts.</summary>
    private static unsafe bool ReadOneByte((int Fd, StrongBox<int> Attempts) state, out int read)
    {
        Interlocked.Increment(ref state.Attempts.Value);
        byte b;
        var n = Native.Read(state.Fd, &b, 1);
        if (n < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Native.EAGAIN)
        {
            read = 0;
            return false;
        }

        read = (int)n;
        return true;
    }

    private static bool Refuse(int state, out int result) => throw new InvalidOperationException("device says no");

    private sealed class StrongBox<T>
    {
        public T Value = default!;
    }

    private static bool ReadAll((int Fd, StrongBox<int> Calls) state, out int read)
    {
        state.Calls.Value++;
        read = Native.ReadAll(state.Fd);
        return read > 0;
    }
}
