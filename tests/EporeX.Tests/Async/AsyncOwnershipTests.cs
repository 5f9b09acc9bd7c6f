using System;
using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Async;

/// <summary>An AsyncFd owns what it is given (leaveOpen to opt out), closes it last on Dispose, and gives it back with IntoInner.</summary>
public sealed class AsyncOwnershipTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Dispose_deregisters_fails_the_awaits_while_the_descriptor_is_open_then_closes_it(string backend)
    {
        // Inline continuations: the failed await's continuation runs inside Dispose, before the close.
        using var loop = AsyncLoops.Open(backend, inline: true);
        var (r, w) = Native.Pipe();
        try
        {
            var fd = loop.Register(r, Interest.Readable);
            Assert.True(fd.OwnsDescriptor);
            var read = fd.ReadAsync(new byte[4]);
            Assert.False(read.IsCompleted);
            var openWhenFailed = ReaderOpenWhenFailed(read, w); // its continuation is registered when this returns
            fd.Dispose();
            Assert.True(await openWhenFailed.WaitAsync(AsyncLoops.Patience), "the await failed after the descriptor was closed");
            Assert.True(ReaderCloses(w), "Dispose did not close the descriptor it owns");
            Assert.Equal(0, loop.Count);
        }
        finally
        {
            Native.Close(w);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Dispose_disposes_an_owned_handle_or_socket_and_leaveOpen_keeps_them(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        var (r, w) = Native.Pipe();
        var owned = new SafeFileHandle(r, ownsHandle: true);
        var ownedFd = loop.Register(owned, Interest.Readable);
        Assert.Same(owned, ownedFd.Inner);
        ownedFd.Dispose();
        Assert.True(owned.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => ownedFd.Inner);

        var kept = new SafeFileHandle(w, ownsHandle: true);
        var keptFd = loop.Register(kept, Interest.Writable, leaveOpen: true);
        Assert.False(keptFd.OwnsDescriptor);
        keptFd.Dispose();
        Assert.False(kept.IsClosed);
        kept.Dispose();

        var (client, server) = Loopback.ConnectedPair();
        using (client)
        {
            var socketFd = loop.Register(server, Interest.Readable);
            socketFd.Dispose();
            Assert.Throws<ObjectDisposedException>(() => server.Available); // the Socket itself was disposed
        }
    }

    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task IntoInner_gives_the_socket_back_open_and_deregistered(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            var fd = loop.Register(server, Interest.Readable | Interest.Writable);
            var pending = fd.ReadAsync(new byte[4]).AsTask();
            Socket back = fd.IntoInner();
            Assert.Same(server, back);
            await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(AsyncLoops.Patience));
            Assert.Equal(0, loop.Count);
            Assert.Throws<ObjectDisposedException>(() => fd.IntoInner());
            Assert.Throws<ObjectDisposedException>(() => AsyncLoops.Start(fd.ReadAsync(new byte[1])));
            fd.Dispose(); // after IntoInner: closes nothing
            Assert.Equal(0, back.Available);

            // Deregistered: the same socket registers again, and works.
            using var again = loop.Register(back, Interest.Readable);
            client.Send(new byte[] { 7, 8 });
            var buffer = new byte[4];
            Assert.Equal(2, await AsyncLoops.Within(again.ReadAsync(buffer)));
            Assert.Equal(8, buffer[1]);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_refused_registration_takes_nothing(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        var (r, w) = Native.Pipe();
        try
        {
            var first = loop.Register(r, Interest.Readable);
            Assert.Throws<AlreadyRegisteredException>(() => loop.Register(r, Interest.Readable)); // owned, had it been taken
            using (var handle = new SafeFileHandle(r, ownsHandle: false))
            {
                Assert.Throws<AlreadyRegisteredException>(() => loop.Register(handle, Interest.Readable));
                Assert.False(handle.IsClosed);
            }

            Assert.True(ReaderIsOpen(w)); // (and one byte to read)
            Assert.Equal(1, await AsyncLoops.Within(first.ReadAsync(new byte[4])));
            first.Dispose();
            Assert.True(ReaderCloses(w), "Dispose did not close the descriptor it owns");
        }
        finally
        {
            Native.Close(w);
        }
    }

    /// <summary>Awaits a read that Dispose fails (inline, inside Dispose) and says whether the descriptor was still open then.</summary>
    private static async Task<bool> ReaderOpenWhenFailed(ValueTask<int> read, int writeEnd)
    {
        try
        {
            await read.ConfigureAwait(false);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return ReaderIsOpen(writeEnd);
        }
    }

    /// <summary>
    /// Whether a pipe's read end is still open, told by a write to its other end (EPIPE once the reader is
    /// closed): unlike a look at the number, which another test may already have reused.
    /// </summary>
    private static bool ReaderIsOpen(int writeEnd) => Native.WriteBytes(writeEnd, 1) == 1;

    /// <summary>
    /// Whether the pipe's reader goes away. Not at once on poll(2): a poll() in progress holds a reference
    /// on every file it watches (Linux's __pollwait), until the loop wakes, which the deregistration asks of it.
    /// </summary>
    private static bool ReaderCloses(int writeEnd)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ReaderIsOpen(writeEnd))
        {
            if (clock.Elapsed > AsyncLoops.Patience)
            {
                return false;
            }

            System.Threading.Thread.Sleep(10);
        }

        return true;
    }
}
