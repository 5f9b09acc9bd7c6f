using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;

namespace EporeX.Bench.EchoBench;

/// <summary><c>EchoBench --async [--inline]</c>: the <see cref="AsyncEchoServer"/> until its lifetime ends or SIGINT/SIGTERM.</summary>
internal static class AsyncEchoProgram
{
    public static int Run(EchoOptions options)
    {
        if (options.Loops > 1)
        {
            return RunGroup(options);
        }

        AsyncEchoServer server;
        try
        {
            server = new AsyncEchoServer(new EventLoopOptions { Backend = options.Backend, InlineContinuations = options.Inline }, options.Port, options.ReadAsync, options.Pipe);
        }
        catch (Exception e) when (e is SocketException or EventQueueException)
        {
            Console.Error.WriteLine($"echo server: cannot start on 127.0.0.1:{options.Port}: {e.Message}");
            return 1;
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds));
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // RunAsync returns, then Run does
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var continuations = (options.Inline ? "inline continuations" : "thread-pool continuations") + (options.Pipe ? ", System.IO.Pipelines" : "");
        Console.Error.WriteLine($"echo server: 127.0.0.1:{options.Port}, async on one EventLoop ({server.Backend}, {continuations}), {options.Seconds} s");
        server.RunAsync(stop.Token).GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    /// <summary><c>--async --loops N</c>: the <see cref="GroupEchoServer"/>.</summary>
    private static int RunGroup(EchoOptions options)
    {
        GroupEchoServer server;
        try
        {
            server = new GroupEchoServer(options);
        }
        catch (Exception e) when (e is SocketException or EventQueueException)
        {
            Console.Error.WriteLine($"echo server: cannot start on 127.0.0.1:{options.Port}: {e.Message}");
            return 1;
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds));
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        Console.Error.WriteLine($"echo server: 127.0.0.1:{options.Port}, async on {server.Description}, {options.Seconds} s");
        server.RunAsync(stop.Token).GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }
}
