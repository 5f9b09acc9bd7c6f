using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using EporeX;

// A TCP echo server with async/await on every core: an EventLoopGroup (one loop, one thread, per core)
// and a listener that hands each connection to one of its loops. Each connection is one async handler;
// with --pipe it is written against System.IO.Pipelines, the way Kestrel-style protocol code is.
// Usage: AsyncEchoServer [--port PORT (0: any)] [--loops N] [--backend epoll|kqueue|poll|auto] [--pipe] [--seconds LIFETIME]
// Try it: dotnet run --project samples/AsyncEchoServer -- --port 9000, then `nc 127.0.0.1 9000`.
await using var group = new EventLoopGroup(new EventLoopGroupOptions
{
    LoopCount = Number("--loops", Environment.ProcessorCount),
    Backend = Arg("--backend"), // null: the best backend here
});

// Where the kernel balances connections (SO_REUSEPORT on Linux), each loop gets a listening socket of its
// own; elsewhere one acceptor deals them out. Either way a connection stays on one loop for its life.
await using var listener = EventLoopListener.Bind(group, new IPEndPoint(IPAddress.Loopback, Number("--port", 0)));
listener.Start(Array.IndexOf(args, "--pipe") >= 0 ? EchoWithPipeAsync : EchoAsync);
Console.Error.WriteLine($"echo server: {listener.LocalEndPoint}, backend {group.Backend}, {group.Count} loops, {listener.Distribution}");

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(Number("--seconds", 3600)));
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // the lifetime ended, or a signal came
}

// Stop accepting and give the connections 2 s to finish; then `await using` cancels the handlers still
// running (their token), closes their connections, and joins the loops.
try
{
    await listener.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("echo server: connections still open after 2 s are closed");
}

return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

int Number(string name, int fallback) => int.TryParse(Arg(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : fallback;

// The listener closes the connection when the handler returns. The handler runs on the connection's loop;
// its awaits complete there without a system call beyond the read or write itself.
static async ValueTask EchoAsync(AcceptedConnection connection, CancellationToken stopping)
{
    var buffer = new byte[16 * 1024]; // the connection's own: nothing is allocated per message after this
    try
    {
        int n;
        while ((n = await connection.Fd.ReadAsync(buffer, stopping)) > 0)
        {
            await connection.Fd.WriteAllAsync(buffer.AsMemory(0, n), stopping);
        }
    }
    catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
    {
        // the client reset the connection, or the server is stopping
    }
}

// The same service over System.IO.Pipelines: the DescriptorPipe receives into Input and sends what is
// flushed to Output, one vectored send per flush; the handler only moves bytes from one to the other.
static async ValueTask EchoWithPipeAsync(AcceptedConnection connection, CancellationToken stopping)
{
    await using var pipe = DescriptorPipe.Create(connection.Fd);
    try
    {
        while (true)
        {
            var read = await pipe.Input.ReadAsync(stopping);
            foreach (var segment in read.Buffer)
            {
                pipe.Output.Write(segment.Span);
            }

            pipe.Input.AdvanceTo(read.Buffer.End);
            var flush = await pipe.Output.FlushAsync(stopping); // waits while the client reads slower than it writes
            if (read.IsCompleted || flush.IsCompleted)
            {
                return; // the client finished sending (its FIN), or stopped reading
            }
        }
    }
    catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
    {
        // as above
    }
}
