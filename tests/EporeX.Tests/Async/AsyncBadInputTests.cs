using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Async;

/// <summary>Every row of the error table (docs/articles/errors.md) for the async layer, on every backend.</summary>
public sealed class AsyncBadInputTests
{
    [Fact]
    public void Null_arguments_are_ArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new EventLoop((Poll)null!));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddEventLoop());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_capacity_that_is_not_positive_is_ArgumentOutOfRange_and_the_Poll_is_disposed(string backend)
    {
        var poll = Backends.Open(backend);
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventLoop(poll, new EventLoopOptions { EventCapacity = 0 }));
        Assert.Throws<ObjectDisposedException>(() => poll.Wait(new Events(1), TimeSpan.Zero));
    }

    [Fact]
    public void An_unknown_backend_is_EventQueueUnavailable()
    {
        Assert.Throws<EventQueueUnavailableException>(() => new EventLoop(new EventLoopOptions { Backend = "no-such-backend" }));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Register_refuses_bad_arguments_with_typed_errors_and_registers_nothing(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();

        Assert.Throws<ArgumentNullException>(() => loop.Register((SafeHandle)null!, Interest.Readable));
        Assert.Throws<ArgumentNullException>(() => loop.Register((Socket)null!, Interest.Readable));
        Assert.Throws<ArgumentOutOfRangeException>(() => loop.Register(-1, Interest.Readable));
        Assert.Throws<ArgumentException>(() => loop.Register(pipe.Read, 0));
        Assert.Throws<ArgumentException>(() => loop.Register(pipe.Read, (Interest)64));
        Assert.Throws<ArgumentException>(() => loop.Register(new SafeFileHandle(-1, ownsHandle: false), Interest.Readable));

        var closed = new SafeFileHandle(Native.Dup(pipe.Read), ownsHandle: true);
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Register(closed, Interest.Readable));

        var disposedSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        disposedSocket.Dispose();
        Assert.Throws<ObjectDisposedException>(() => loop.Register(disposedSocket, Interest.Readable));

        Assert.Equal(0, loop.Count); // (a number that is not open is Registry's InvalidDescriptorException: Conformance/BadInputTests)

        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        Assert.Throws<AlreadyRegisteredException>(() => loop.Register(pipe.Read, Interest.Readable, leaveOpen: true));
        Assert.Equal(1, loop.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_regular_file_is_refused_where_the_backend_cannot_watch_one(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        Skip.If(loop.Capabilities.RegularFiles, $"{backend} watches regular files (always ready)");
        var path = Path.GetTempFileName();
        try
        {
            using var file = File.OpenHandle(path);
            Assert.Throws<UnsupportedDescriptorException>(() => loop.Register(file, Interest.Readable));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void An_await_or_io_outside_the_registered_interest_is_refused(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var reader = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        using var writer = loop.Register(pipe.WriteEnd, Interest.Writable, leaveOpen: true);

        Assert.Throws<ArgumentException>(() => AsyncLoops.Start(reader.WritableAsync()));
        Assert.Throws<ArgumentException>(() => AsyncLoops.Start(reader.ReadyAsync(0)));
        Assert.Throws<ArgumentException>(() => AsyncLoops.Start(reader.ReadyAsync(Interest.Readable | Interest.Writable)));
        Assert.Throws<ArgumentException>(() => AsyncLoops.Start(writer.ReadableAsync()));
        Assert.Throws<NotSupportedException>(() => AsyncLoops.Start(reader.WriteAsync(new byte[1])));
        Assert.Throws<NotSupportedException>(() => AsyncLoops.Start(writer.ReadAsync(new byte[1])));
        Assert.False(reader.AsStream().CanWrite);
        Assert.False(writer.AsStream().CanRead);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_failed_read_or_write_is_a_typed_error_with_the_errno(string backend)
    {
        using var loop = AsyncLoops.Open(backend);
        using var pipe = new TestPipe();
        using var writer = loop.Register(pipe.WriteEnd, Interest.Writable, leaveOpen: true);
        pipe.CloseReader();

        var error = Assert.Throws<IOException>(() => AsyncLoops.Start(writer.WriteAsync(new byte[1])));
        Assert.Equal(32, error.HResult); // EPIPE: no reader left (SIGPIPE is ignored by the .NET runtime)

        var (client, server) = Loopback.ConnectedPair();
        using (client)
        using (server)
        {
            using var fd = loop.Register(server, Interest.Readable | Interest.Writable, leaveOpen: true);
            client.LingerState = new LingerOption(true, 0);
            client.Close(); // RST
            var failure = Assert.ThrowsAny<Exception>(() =>
            {
                for (var i = 0; i < 100; i++)
                {
                    AsyncLoops.Start(fd.WriteAsync(new byte[1]));
                    System.Threading.Thread.Sleep(5);
                }
            });
            Assert.IsType<SocketException>(failure);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Stream_misuse_is_refused(string backend)
    {
        using var loop = AsyncLoops.Open(backend, inline: true);
        using var pipe = new TestPipe();
        using var fd = loop.Register(pipe.Read, Interest.Readable, leaveOpen: true);
        var stream = fd.AsStream();
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.ReadTimeout = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.WriteTimeout = -2);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));

        // A blocking read on the loop thread would wait for the loop itself.
        var readable = fd.ReadableAsync();
        Assert.False(readable.IsCompleted);
        var onLoop = ReadOnLoopAfter(readable, loop, stream, pipe); // its continuation is registered when this returns
        pipe.Write(1);
        await onLoop.WaitAsync(AsyncLoops.Patience);

        stream.Dispose();
        Assert.Throws<ObjectDisposedException>(() => stream.Read(new byte[1], 0, 1));
        Assert.True(Native.IsOpen(pipe.Read));
    }

    /// <summary>Awaits <paramref name="readable"/> without a context (an inline loop continues it on its thread), then tries a blocking read there.</summary>
    private static async Task ReadOnLoopAfter(ValueTask<ReadyGuard> readable, EventLoop loop, System.IO.Stream stream, TestPipe pipe)
    {
        await readable.ConfigureAwait(false);
        Assert.True(loop.IsLoopThread);
        Assert.Throws<InvalidOperationException>(() =>
        {
            Native.ReadAll(pipe.Read);
            return stream.Read(new byte[1], 0, 1);
        });
    }
}
