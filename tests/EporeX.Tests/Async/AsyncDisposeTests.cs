using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Async;

/// <summary>Dispose of an AsyncFd or of the loop, and a descriptor closed under a pending await, on every backend.</summary>
public sealed class AsyncDisposeTests
{
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task Dispose_while_awaited_faults_the_await_deregisters_and_leaves_the_descriptor_open(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var read = fd.ReadAsync(new byte[4]);
        Assert.False(read.IsCompleted);

        fd.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => AsyncLoops.Within(read));
        Assert.True(Native.IsOpen(pipe.Read), "the library closed a descriptor it does not own");
        Assert.Equal(0, loop.Count);
        Assert.Throws<ObjectDisposedException>(() => AsyncLoops.Start(fd.ReadableAsync()));
        Assert.Throws<ObjectDisposedException>(() => AsyncLoops.Start(fd.ReadAsync(new byte[1])));
        fd.Dispose(); // again: nothing

        // Deregistered: the same descriptor registers again, and works.
        using var again = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        pipe.Write(3);
        Assert.Equal(3, await AsyncLoops.Within(again.ReadAsync(new byte[4])));
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_handle_closed_under_a_pending_await_faults_it_and_never_hands_it_a_new_descriptor(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (r, w) = Native.Pipe();
        var handle = new SafeFileHandle(r, ownsHandle: true);
        using var fd = loop.Register(handle, Interest.Readable, leaveOpen: true);
        var readable = fd.ReadableAsync();
        Assert.False(readable.IsCompleted);

        handle.Dispose(); // closes r behind the library
        using var reuse = new TestPipe(); // most likely takes r's number
        reuse.Write(1);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => AsyncLoops.Within(readable));
        Assert.Throws<ObjectDisposedException>(() => AsyncLoops.Start(fd.ReadAsync(new byte[1])));
        Native.Close(w);
    }

    /// <summary>
    /// An owned descriptor whose file outlives its AsyncFd (a duplicate): on epoll, where the close is the
    /// deregistration, the kernel goes on reporting the old token after Dispose. The loop drops those events
    /// (the slot's generation moved on), so the registration that takes the slot next is not woken by them.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_disposed_descriptor_whose_file_lives_on_never_wakes_the_registration_after_it(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (a, b) = Native.SocketPair();
        var duplicate = Native.Dup(a);
        Assert.True(duplicate >= 0, "dup failed");
        try
        {
            loop.Register(a, Interest.Readable).Dispose(); // owned: closes a; the duplicate keeps its file open

            using var pipe = new TestPipe();
            using var next = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true); // takes the released slot
            var readable = next.ReadableAsync();
            Native.WriteBytes(b, 1); // readiness on the duplicated file
            await Task.Delay(AsyncLoops.Quiet);
            Assert.False(readable.IsCompleted, "an event of the disposed descriptor woke the registration after it");

            pipe.Write(1);
            await AsyncLoops.Within(readable);
            Assert.Equal(1, loop.Count);
        }
        finally
        {
            Native.Close(duplicate);
            Native.Close(b);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_socket_disposed_under_a_pending_read_faults_it(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Writable, leaveOpen: true);
            var read = fd.ReadAsync(new byte[4]);
            Assert.False(read.IsCompleted);
            server.Dispose(); // never blocks: the library holds no reference on the handle between calls
            await Assert.ThrowsAsync<ObjectDisposedException>(() => AsyncLoops.Within(read));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task EventLoop_Dispose_faults_every_pending_await_and_leaves_descriptors_open(string backend, bool inline)
    {
        var loop = AsyncLoops.Open(backend, inline);
        using var pipe = new TestPipe();
        var (a, b) = Native.SocketPair();
        try
        {
            var reader = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
            var duplex = loop.Register(a, Interest.Readable | Interest.Writable, leaveOpen: true);
            Native.FillUntilFull(a);
            var pending = new[]
            {
                reader.ReadAsync(new byte[4]).AsTask(),
                duplex.ReadAsync(new byte[4]).AsTask(),
                duplex.WriteAsync(new byte[4]).AsTask(),
            };
            await Task.Delay(AsyncLoops.Quiet);
            Assert.All(pending, t => Assert.False(t.IsCompleted));

            await loop.DisposeAsync();
            foreach (var task in pending)
            {
                await Assert.ThrowsAsync<ObjectDisposedException>(() => AsyncLoops.Within(task));
            }

            Assert.True(Native.IsOpen(pipe.Read) && Native.IsOpen(a));
            Assert.Throws<ObjectDisposedException>(() => AsyncLoops.Start(reader.ReadableAsync()));
            Assert.Throws<ObjectDisposedException>(() => loop.Register(b, Interest.Readable, leaveOpen: true));
            reader.Dispose(); // after the loop: harmless
            duplex.Dispose();
            loop.Dispose();
        }
        finally
        {
            Native.Close(a);
            Native.Close(b);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task EventLoop_Dispose_from_an_inline_continuation_on_the_loop_thread_does_not_deadlock(string backend)
    {
        var loop = AsyncLoops.Open(backend, inline: true);
        using var pipe = new TestPipe();
        var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var readable = fd.ReadableAsync();
        Assert.False(readable.IsCompleted);
        var disposedOnLoop = DisposeAfter(readable, loop); // its continuation is registered when this returns
        pipe.Write(1);
        Assert.True(await disposedOnLoop.WaitAsync(AsyncLoops.Patience));
        Assert.Throws<ObjectDisposedException>(() => loop.Register(pipe.WriteEnd, Interest.Writable, leaveOpen: true));
    }

    /// <summary>Awaits <paramref name="readable"/> without a context (so an inline loop continues it on its thread), then disposes the loop there.</summary>
    private static async Task<bool> DisposeAfter(ValueTask<ReadyGuard> readable, EventLoop loop)
    {
        await readable.ConfigureAwait(false);
        var onLoop = loop.IsLoopThread;
        loop.Dispose();
        return onLoop;
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_stale_event_of_a_disposed_AsyncFd_never_reaches_the_one_that_reuses_its_slot(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        for (var round = 0; round < 50; round++)
        {
            using var noisy = new TestPipe();
            using var quiet = new TestPipe();
            var first = loop.Register(noisy.Read, Interest.Readable, leaveOpen: true);
            noisy.Write(1); // an event for first's token may be in flight
            first.Dispose();
            using var second = loop.Register(quiet.Read, Interest.Readable, leaveOpen: true); // takes first's slot
            var readable = second.ReadableAsync();
            await Task.Delay(round % 10 == 0 ? 20 : 0);
            Assert.False(readable.IsCompleted, $"round {round}: the quiet pipe was reported ready");
            quiet.Write(1);
            await AsyncLoops.Within(readable);
        }
    }
}

/// <summary>Thread and descriptor accounting: these count process-wide resources, so they run alone.</summary>
[Collection(SerialCollection.Name)]
public sealed class AsyncHygieneTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task EventLoop_Dispose_ends_the_thread_and_closes_every_descriptor_it_opened(string backend)
    {
        await Cycle(backend); // loads the native libraries (and libkqueue's lazy state) first: their descriptors are not ours
        var before = DescriptorTable.Baseline();
        var name = $"eporex-t{Environment.TickCount64 % 100000}";
        var loop = new EventLoop(Backends.Open(backend), new EventLoopOptions { ThreadName = name });
        using var pipe = new TestPipe();
        var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var read = fd.ReadAsync(new byte[4]);
        Assert.Contains(name, ThreadNames());

        loop.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => AsyncLoops.Within(read));

        // Dispose joined the managed thread; the kernel's task may outlive the join by a moment (on a busy
        // core, longer), so it is given time to go. A loop thread that never ends stays, and fails.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ThreadNames().Contains(name) && clock.Elapsed < AsyncLoops.Patience)
        {
            await Task.Delay(10);
        }

        Assert.DoesNotContain(name, ThreadNames());
        pipe.Dispose();
        DescriptorTable.AssertBackTo(before);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_raw_descriptor_closed_under_a_pending_await_faults_it(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        var (r, w) = Native.Pipe();
        using var fd = loop.Register(r, Interest.Readable, leaveOpen: true);
        var readable = fd.ReadableAsync();
        Native.Close(r); // wrong use (dispose first), but it must not hang the await
        await Assert.ThrowsAsync<ObjectDisposedException>(() => AsyncLoops.Within(readable));
        Native.Close(w);
    }

    private static async Task Cycle(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var read = fd.ReadAsync(new byte[4]);
        pipe.Write(1);
        await AsyncLoops.Within(read);
    }

    /// <summary>Thread names as the kernel shows them (Linux: /proc/self/task/*/comm, 15 characters).</summary>
    private static string[] ThreadNames()
    {
        Skip.IfNot(Directory.Exists("/proc/self/task"), "thread names are read from /proc/self/task (Linux)");
        return Directory.GetDirectories("/proc/self/task")
            .Select(task => { try { return File.ReadAllText(Path.Combine(task, "comm")).Trim(); } catch (IOException) { return ""; } })
            .ToArray();
    }
}
