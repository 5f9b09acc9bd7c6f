using System;
using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EporeX;
using EporeX.Samples.TtyDemo;

// Reading a serial line with a timeout: what a .NET read of a tty cannot do (dotnet/runtime#801, #100308).
// A pseudo-terminal stands in for the device; the program reads lines from the slave end, as it would
// from /dev/ttyUSB0, and plays the device on the master end.
//   TtyDemo [--backend epoll|kqueue|poll|auto]
string? backend = args is ["--backend", var name] ? name : null;
if (args.Length > 0 && backend is null)
{
    Console.Error.WriteLine("usage: TtyDemo [--backend epoll|kqueue|poll|auto]");
    return 2;
}

if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
{
    Console.Error.WriteLine("TtyDemo needs a Unix pseudo-terminal");
    return 1;
}

var (master, slave, path) = Pty.Open();
await using var loop = new EventLoop(new EventLoopOptions { Backend = backend });

// Each AsyncFd owns its handle and closes it when disposed.
using var device = loop.Register(master, Interest.Writable);
using var tty = loop.Register(slave, Interest.Readable);
Console.WriteLine($"backend: {loop.Backend}, line: {path} (raw mode)");

// A PipeReader rather than a StreamReader: a cancelled PipeReader read consumes nothing, so the bytes of a
// half-received line are still there for the next read. A StreamReader may drop what it had moved
// into the line it was building.
var lines = PipeReader.Create(tty.AsStream());

// 1. The device sends half a line, then falls silent. The read gives up when its timeout fires.
await device.WriteAllAsync("status: "u8.ToArray());
var clock = Stopwatch.StartNew();
using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
{
    try
    {
        await ReadLineAsync(lines, timeout.Token);
        throw new InvalidOperationException("a line came from a silent device");
    }
    catch (OperationCanceledException) when (timeout.IsCancellationRequested)
    {
        Console.WriteLine($"read with a 200 ms timeout on a silent line: timed out after {clock.Elapsed.TotalMilliseconds:F1} ms");
    }
}

// 2. The device finishes the line: it is read whole, its first half included.
await device.WriteAllAsync("ok\n"u8.ToArray());
Console.WriteLine($"next line, whole: \"{await ReadLineAsync(lines, CancellationToken.None)}\"");

// 3. Another part of the program decides a pending read is no longer needed, and cancels it.
using (var caller = new CancellationTokenSource())
{
    clock.Restart();
    var pending = ReadLineAsync(lines, caller.Token);
    await Task.Delay(50);
    caller.Cancel();
    try
    {
        await pending;
        throw new InvalidOperationException("a line came from a silent device");
    }
    catch (OperationCanceledException) when (caller.IsCancellationRequested)
    {
        Console.WriteLine($"read cancelled by the caller 50 ms in: ended after {clock.Elapsed.TotalMilliseconds:F1} ms");
    }
}

// 4. The line is still usable after a cancellation.
await device.WriteAllAsync("temperature: 21.5\n"u8.ToArray());
Console.WriteLine($"next line, whole: \"{await ReadLineAsync(lines, CancellationToken.None)}\"");
await lines.CompleteAsync();
return 0;

// The next '\n'-terminated line. Until one is complete, every byte received stays in the pipe.
static async Task<string> ReadLineAsync(PipeReader reader, CancellationToken cancellationToken)
{
    while (true)
    {
        var result = await reader.ReadAsync(cancellationToken);
        var buffer = result.Buffer;
        if (buffer.PositionOf((byte)'\n') is { } end)
        {
            var line = Encoding.UTF8.GetString(buffer.Slice(0, end));
            reader.AdvanceTo(buffer.GetPosition(1, end));
            return line;
        }

        if (result.IsCompleted)
        {
            throw new InvalidOperationException("the line was closed");
        }

        reader.AdvanceTo(buffer.Start, buffer.End); // keep it all, ask for more
    }
}
