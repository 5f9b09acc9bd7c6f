using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading.Tasks;
using EporeX.Net;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>
/// An async echo written on the public API allocates nothing per message in steady state, in each way a
/// user writes one: readiness + recv (the guard), <see cref="AsyncFd.ReadAsync"/>, and a
/// <see cref="DescriptorPipe"/>; with continuations on the pool and inline. The handler's state machine is
/// boxed at its first await, the buffer is the connection's, and every await the loop completes is
/// pooled by the library (how it is counted: <see cref="EchoAllocations"/>).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class AsyncEchoAllocationTests
{
    public static TheoryData<string, string, bool> Handlers()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var backend in Backends.All())
        {
            foreach (var handler in new[] { "guard", "read-async", "pipe" })
            {
                data.Add(backend, handler, false);
                data.Add(backend, handler, true);
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Handlers))]
    public async Task A_message_allocates_nothing_in_steady_state(string backend, string handler, bool inline)
    {
        Backends.Open(backend).Dispose();
        await using var loop = new EventLoop(new EventLoopOptions { Backend = backend, InlineContinuations = inline });
        var (client, server) = Loopback.ConnectedPair();
        using var _ = client;
        client.NoDelay = true;
        client.ReceiveTimeout = (int)Waiting.Arrives.TotalMilliseconds;
        server.Blocking = false;
        server.NoDelay = true;
        var fd = loop.Register(server, Interest.Readable | Interest.Writable); // owns the socket
        var echo = handler switch
        {
            "guard" => EchoWithGuardAsync(fd),
            "read-async" => EchoWithReadAsync(fd),
            _ => EchoWithPipeAsync(fd, inline),
        };

        EchoAllocations.AssertNonePerMessage(client);

        client.Shutdown(SocketShutdown.Send);
        await echo.WaitAsync(Waiting.Arrives); // the handler saw the end of the stream and returned
        fd.Dispose();
    }

    private static async Task EchoWithGuardAsync(AsyncFd<Socket> fd)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var guard = await fd.ReadableAsync();
            var n = SocketIO.Receive(fd.Inner, buffer, out var error);
            if (n == 0)
            {
                return;
            }

            if (n < 0)
            {
                if (error != SocketError.WouldBlock) // (not Assert.Equal: its comparer allocates)
                {
                    throw new SocketException((int)error);
                }

                guard.ClearReady();
                continue;
            }

            await fd.WriteAllAsync(buffer.AsMemory(0, n));
        }
    }

    private static async Task EchoWithReadAsync(AsyncFd fd)
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await fd.ReadAsync(buffer)) > 0)
        {
            await fd.WriteAllAsync(buffer.AsMemory(0, n));
        }
    }

    private static async Task EchoWithPipeAsync(AsyncFd fd, bool inline)
    {
        await using var pipe = DescriptorPipe.Create(fd, new DescriptorPipeOptions { InlineScheduling = inline });
        while (true)
        {
            var read = await pipe.Input.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                pipe.Output.Write(segment.Span);
            }

            pipe.Input.AdvanceTo(read.Buffer.End);
            var flush = await pipe.Output.FlushAsync();
            if (read.IsCompleted || flush.IsCompleted)
            {
                return;
            }
        }
    }
}
