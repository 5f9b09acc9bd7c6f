using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>
/// What an await reports and when, on every backend and in both continuation modes: at once when the
/// readiness is known, else when the kernel reports it; ClearReady forgets only what its guard saw.
/// </summary>
public sealed class AsyncReadinessTests
{
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_read_that_waits_completes_when_the_pipe_is_written(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var buffer = new byte[16];
        var read = fd.ReadAsync(buffer);
        Assert.False(read.IsCompleted);

        pipe.Write(5);
        Assert.Equal(5, await AsyncLoops.Within(read));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Known_readiness_completes_at_once_until_it_is_cleared(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        pipe.Write(3);

        var first = await AsyncLoops.Within(fd.ReadableAsync());
        Assert.True(first.IsReadable);
        Assert.False(first.IsWritable);

        var again = fd.ReadableAsync(); // nothing cleared it: still known ready, no wait
        Assert.True(again.IsCompletedSuccessfully);
        Assert.True((await again).IsReadable);

        Assert.Equal(3, pipe.Drain());
        first.ClearReady();
        var waiting = fd.ReadableAsync();
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(waiting.IsCompleted, "the readiness was cleared after EAGAIN and nothing new came");

        pipe.Write(1);
        Assert.True((await AsyncLoops.Within(waiting)).IsReadable);
    }

    /// <summary>
    /// tokio's tick rule: readiness the loop delivers after a guard was issued survives that guard's
    /// ClearReady. With and without a pause (which lets the loop see the write before the clear), the
    /// byte written between the drain and the clear is found by the next await.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Readiness_that_arrives_after_the_guard_is_never_lost_by_its_ClearReady(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        foreach (var pause in new[] { 0, 50 })
        {
            for (var round = 0; round < 20; round++)
            {
                pipe.Write(1);
                var guard = await AsyncLoops.Within(fd.ReadableAsync());
                Assert.Equal(1, pipe.Drain()); // would block now
                pipe.Write(1); // new readiness, after the guard
                if (pause > 0)
                {
                    await Task.Delay(pause);
                }

                guard.ClearReady();
                Assert.True((await AsyncLoops.Within(fd.ReadableAsync())).IsReadable, $"round {round}, pause {pause} ms: the second byte's readiness was lost");
                Assert.Equal(1, pipe.Drain());
                (await fd.ReadableAsync()).ClearReady(); // a stale hint at most; clear it for the next round
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_pending_read_completes_with_the_end_of_the_stream_when_the_writers_go(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var readable = fd.ReadableAsync();
        Assert.False(readable.IsCompleted);

        pipe.CloseWriter();
        var guard = await AsyncLoops.Within(readable);
        Assert.True(guard.IsReadClosed || guard.IsReadable, $"got {guard}");
        Assert.Equal(0, await AsyncLoops.Within(fd.ReadAsync(new byte[8])));
        Assert.Equal(0, await AsyncLoops.Within(fd.ReadAsync(new byte[8]))); // and again: closed is final
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_pending_socket_read_completes_with_0_when_the_peer_shuts_down(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Writable, leaveOpen: true);
            var read = fd.ReadAsync(new byte[8]);
            Assert.False(read.IsCompleted);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await AsyncLoops.Within(read));
            var guard = await AsyncLoops.Within(fd.ReadableAsync());
            Assert.True(guard.IsReadClosed || guard.IsReadable, $"got {guard}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_full_socket_write_waits_for_the_peer_then_completes(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (a, b) = Native.SocketPair();
        try
        {
            using var fd = loop.Register(a, Interest.Readable | Interest.Writable, leaveOpen: true);
            Native.FillUntilFull(a);
            var write = fd.WriteAsync(new byte[1000]);
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(write.IsCompleted, "the send buffer is full");

            Native.ReadAll(b);
            Assert.True(await AsyncLoops.Within(write) > 0);
            var writable = await AsyncLoops.Within(fd.WritableAsync());
            Assert.True(writable.IsWritable);
        }
        finally
        {
            Native.Close(a);
            Native.Close(b);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task One_reader_and_one_writer_await_at_once(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (a, b) = Native.SocketPair();
        try
        {
            using var fd = loop.Register(a, Interest.Readable | Interest.Writable, leaveOpen: true);
            await AsyncLoops.Within(fd.WritableAsync()); // the registration's first report is in: it cannot come after the fill
            Native.FillUntilFull(a);
            var read = fd.ReadAsync(new byte[10]);
            var write = fd.WriteAsync(new byte[10]);
            var both = fd.ReadyAsync(Interest.Readable | Interest.Writable);
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(read.IsCompleted);
            Assert.False(write.IsCompleted);
            Assert.False(both.IsCompleted);

            Assert.Equal(4, Native.WriteBytes(b, 4));
            Assert.Equal(4, await AsyncLoops.Within(read));
            Assert.True((await AsyncLoops.Within(both)).IsReadable);
            Assert.False(write.IsCompleted);

            Native.ReadAll(b);
            Assert.Equal(10, await AsyncLoops.Within(write));
        }
        finally
        {
            Native.Close(a);
            Native.Close(b);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Several_awaits_on_one_direction_all_complete_on_one_event(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var readable = fd.ReadableAsync().AsTask();
        var ready = fd.ReadyAsync(Interest.Readable).AsTask();
        var read = fd.ReadAsync(new byte[4]).AsTask();
        await Task.Delay(AsyncLoops.Quiet);
        Assert.False(readable.IsCompleted || ready.IsCompleted || read.IsCompleted);

        pipe.Write(1);
        Assert.True((await readable.WaitAsync(AsyncLoops.Patience)).IsReadable);
        Assert.True((await ready.WaitAsync(AsyncLoops.Patience)).IsReadable);
        Assert.Equal(1, await read.WaitAsync(AsyncLoops.Patience));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Registration_from_another_thread_takes_effect_while_the_loop_waits(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        await Task.Delay(20); // the loop thread is blocked in its wait by now
        using var pipe = new TestPipe();
        var fd = await Task.Run(() => loop.Register(pipe.Read, Interest.Readable, leaveOpen: true));
        using (fd)
        {
            var read = fd.ReadAsync(new byte[4]);
            pipe.Write(2);
            Assert.Equal(2, await AsyncLoops.Within(read));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Continuations_run_on_the_thread_pool_by_default_and_on_the_loop_thread_inline(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var readable = fd.ReadableAsync();
        Assert.False(readable.IsCompleted);
        var continued = OnLoopAfter(readable, loop); // its continuation is registered when this returns
        pipe.Write(1);
        var onLoop = await continued.WaitAsync(AsyncLoops.Patience);
        Assert.Equal(inline, onLoop);
        Assert.Equal(inline, loop.InlineContinuations);
    }

    /// <summary>Awaits <paramref name="readable"/> without a context, and says where it continued.</summary>
    private static async Task<bool> OnLoopAfter(ValueTask<ReadyGuard> readable, EventLoop loop)
    {
        await readable.ConfigureAwait(false);
        return loop.IsLoopThread;
    }
}
