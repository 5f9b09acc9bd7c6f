using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Tests.Async;

/// <summary>A cancelled await ends promptly with OperationCanceledException and loses nothing, on every backend.</summary>
public sealed class AsyncCancellationTests
{
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_cancelled_await_throws_promptly_and_the_registration_stays(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        using var cts = new CancellationTokenSource();
        var readable = fd.ReadableAsync(cts.Token);
        Assert.False(readable.IsCompleted);

        var clock = Stopwatch.StartNew();
        cts.Cancel();
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AsyncLoops.Within(readable));
        Assert.Equal(cts.Token, error.CancellationToken);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"cancellation took {clock.Elapsed}");

        pipe.Write(1);
        Assert.True((await AsyncLoops.Within(fd.ReadableAsync())).IsReadable);
        Assert.Equal(1, loop.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_cancelled_ReadAsync_reads_nothing_and_the_next_read_gets_every_byte(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AsyncLoops.Within(fd.ReadAsync(new byte[8], cts.Token)));

        pipe.Write(6);
        Assert.Equal(6, await AsyncLoops.Within(fd.ReadAsync(new byte[8])));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task An_already_cancelled_token_fails_at_once_without_touching_the_registration(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var cancelled = new CancellationToken(canceled: true);

        var readable = fd.ReadableAsync(cancelled);
        Assert.True(readable.IsCanceled);
        var read = fd.ReadAsync(new byte[4], cancelled);
        Assert.True(read.IsCanceled);

        pipe.Write(2);
        Assert.Equal(2, await AsyncLoops.Within(fd.ReadAsync(new byte[4])));
    }

    /// <summary>
    /// Readiness and cancellation race: whichever wins, the byte written in the race is seen by the next
    /// await, and the next await is never refused as concurrent.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Readiness_that_races_a_cancellation_is_seen_by_the_next_await(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        int completed = 0, cancelled = 0;
        for (var round = 0; round < 200; round++)
        {
            using var cts = new CancellationTokenSource();
            var readable = fd.ReadableAsync(cts.Token);
            var writer = Task.Run(() => pipe.Write(1));
            cts.Cancel();
            await writer;
            try
            {
                await AsyncLoops.Within(readable);
                completed++;
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }

            var guard = await AsyncLoops.Within(fd.ReadableAsync());
            Assert.True(guard.IsReadable, $"round {round}: the byte written during the cancellation was lost");
            Assert.Equal(1, pipe.Drain());
            guard.ClearReady();
        }

        Assert.Equal(200, completed + cancelled);
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_token_reused_for_many_waits_cancels_only_the_wait_it_is_cancelled_during(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        using var cts = new CancellationTokenSource();
        for (var i = 0; i < 50; i++)
        {
            var read = fd.ReadAsync(new byte[4], cts.Token);
            pipe.Write(1);
            Assert.Equal(1, await AsyncLoops.Within(read));
        }

        var last = fd.ReadAsync(new byte[4], cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AsyncLoops.Within(last));
    }
}
