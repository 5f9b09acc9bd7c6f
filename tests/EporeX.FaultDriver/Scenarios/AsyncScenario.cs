using System;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace EporeX.FaultDriver.Scenarios;

/// <summary>
/// The async layer: an EventLoop with a listener (accept through <c>IoAsync</c>), two TCP connections
/// echoing checked bytes both ways (<c>ReadAsync</c>/<c>WriteAsync</c> on both ends), and a pipe
/// (<c>WriteAsync</c> into one AsyncFd, <c>ReadAsync</c> from another), all owned by their AsyncFds. A
/// write or accept that fails with the expected refusal must fail with its documented type at that call,
/// having taken nothing (a send either takes bytes or fails), so the scenario retries it; every byte must
/// come back once, in order, and the streams must end cleanly.
/// </summary>
internal static class AsyncScenario
{
    private const int Connections = 2;
    private const int TcpBytes = 512 * 1024;
    private const int PipeBytes = 128 * 1024;
    private const int Chunk = 16 * 1024;

    public static void Run(ScenarioContext context)
    {
        context.AwaitGo();
        RunAsync(context).GetAwaiter().GetResult();
    }

    private static async Task RunAsync(ScenarioContext context)
    {
        var report = context.Report;
        await using var loop = context.Refusable("EventLoop", context.OpenLoop);
        var listening = Loopback.Listen();
        listening.Blocking = false;
        using var listener = context.Refusable("Register(listener)", () => loop.Register(listening, Interest.Readable));
        var work = new Task[Connections * 3 + 2];
        var next = 0;
        for (var i = 0; i < Connections; i++)
        {
            var client = Loopback.Connect(listening);
            var accepted = await Accepting.AcceptAsync(context, listener);
            var clientFd = context.Refusable("Register(client)", () => loop.Register(client, Interest.Readable | Interest.Writable));
            var serverFd = context.Refusable("Register(server)", () => loop.Register(accepted, Interest.Readable | Interest.Writable));
            var pattern = new Pattern(10 + i, TcpBytes);
            work[next++] = Echo(context, serverFd);
            work[next++] = SendThenShutdown(context, clientFd, pattern);
            work[next++] = ReceiveAll(clientFd, pattern, $"echo {i}", report);
        }

        var (readEnd, writeEnd) = Native.Pipe();
        var pipeReader = context.Refusable("Register(pipe read end)", () => loop.Register(readEnd, Interest.Readable));
        var pipeWriter = context.Refusable("Register(pipe write end)", () => loop.Register(writeEnd, Interest.Writable));
        var pipePattern = new Pattern(20, PipeBytes);
        work[next++] = SendAll(context, pipeWriter, pipePattern).ContinueWith(_ => pipeWriter.Dispose(), TaskScheduler.Default);
        work[next++] = ReceiveAll(pipeReader, pipePattern, "pipe", report);

        report.Stage = "traffic";
        try
        {
            await Task.WhenAll(work).WaitAsync(ScenarioContext.Traffic);
        }
        catch (TimeoutException)
        {
            throw new ExpectationException($"traffic stalled: {report.Get("bytes")} of {(Connections * TcpBytes) + PipeBytes} bytes back (a lost readiness or byte)");
        }

        pipeReader.Dispose();
        report.Stage = "done";
    }

    private static async Task Echo(ScenarioContext context, AsyncFd fd)
    {
        using var owned = fd;
        var buffer = new byte[Chunk];
        int n;
        while ((n = await fd.ReadAsync(buffer)) > 0)
        {
            await WriteAll(context, fd, buffer.AsMemory(0, n));
        }

        ((AsyncFd<Socket>)fd).Inner.Shutdown(SocketShutdown.Send);
    }

    private static async Task SendThenShutdown(ScenarioContext context, AsyncFd<Socket> fd, Pattern pattern)
    {
        await SendAll(context, fd, pattern);
        fd.Inner.Shutdown(SocketShutdown.Send);
    }

    private static async Task SendAll(ScenarioContext context, AsyncFd fd, Pattern pattern)
    {
        var buffer = new byte[Chunk];
        long sent = 0;
        while (sent < pattern.Length)
        {
            var size = (int)Math.Min(Chunk, pattern.Length - sent);
            pattern.Fill(buffer.AsSpan(0, size), sent);
            await WriteAll(context, fd, buffer.AsMemory(0, size));
            sent += size;
        }
    }

    /// <summary>WriteAsync until all is written; a refused write took nothing and is tried again.</summary>
    private static async Task WriteAll(ScenarioContext context, AsyncFd fd, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            try
            {
                data = data[await fd.WriteAsync(data)..];
            }
            catch (SocketException e) when (context.IsRefusal(e))
            {
                context.Report.Add("refused");
            }
        }
    }

    private static async Task ReceiveAll(AsyncFd fd, Pattern pattern, string name, Report report)
    {
        using var owned = fd;
        var buffer = new byte[Chunk];
        long received = 0;
        int n;
        while ((n = await fd.ReadAsync(buffer)) > 0)
        {
            pattern.Check(buffer.AsSpan(0, n), received, name);
            received += n;
            report.Add("bytes", n);
        }

        Expect.True(received == pattern.Length, $"{name}: the stream ended after {received} of {pattern.Length} bytes");
    }
}
