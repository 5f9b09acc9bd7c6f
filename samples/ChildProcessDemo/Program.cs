using System;
using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.IO.Pipes;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EporeX;

// Reads a child's stdout line by line and gives up on a line after 3 s, through EporeX's AsyncFd. The
// child writes a, then b a second later, then c five seconds after b: the timeout fires once, between b
// and c, really ends that read, and the next read still gets c, whole. About 6 s in all.
const string Script = "echo a; sleep 1; echo b; sleep 5; echo c";
var timeout = TimeSpan.FromSeconds(3);
string? backend = null; // null: the best backend here
if (args is ["--backend", var name])
{
    backend = name;
}
else if (args.Length != 0)
{
    Console.Error.WriteLine("usage: ChildProcessDemo [--backend epoll|kqueue|poll|auto]");
    return 2;
}

await using var loop = new EventLoop(new EventLoopOptions { Backend = backend });
var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true };
start.ArgumentList.Add("-c");
start.ArgumentList.Add(Script);
using var child = Process.Start(start) ?? throw new InvalidOperationException("sh did not start");
var clock = Stopwatch.StartNew();
Console.WriteLine($"child {child.Id}: sh -c '{Script}'; per-line timeout {timeout.TotalSeconds} s; EventLoop on {loop.Backend}");
try
{
    // Process hands over a blocking pipe: a read(2) on it waits in the kernel, where no token can reach
    // it. Registering the pipe makes it non-blocking, so a read becomes an await on readiness that a token
    // can end. O_NONBLOCK is shared by every reader of the pipe: from here on only the AsyncFd reads it,
    // never child.StandardOutput. leaveOpen, because the Process owns the pipe and closes it.
    var pipe = ((PipeStream)child.StandardOutput.BaseStream).SafePipeHandle;
    using var fd = loop.Register(pipe, Interest.Readable, leaveOpen: true);

    // A PipeReader rather than a StreamReader: a cancelled PipeReader read consumes nothing, so a line
    // half-received when the timeout fires is still whole in the next read.
    var reader = PipeReader.Create(fd.AsStream());
    try
    {
        while (true)
        {
            using var perLine = new CancellationTokenSource(timeout); // a fresh timeout for each line
            string? line;
            try
            {
                line = await ReadLineAsync(reader, perLine.Token);
            }
            catch (OperationCanceledException) when (perLine.IsCancellationRequested)
            {
                Console.WriteLine($"{clock.ElapsedMilliseconds,6} ms  timeout: no line for {timeout.TotalSeconds} s; the read was cancelled, reading goes on");
                continue;
            }

            if (line is null)
            {
                Console.WriteLine($"{clock.ElapsedMilliseconds,6} ms  end of output");
                break;
            }

            Console.WriteLine($"{clock.ElapsedMilliseconds,6} ms  line \"{line}\"");
        }
    }
    finally
    {
        await reader.CompleteAsync();
    }
}
finally
{
    // However the reading ended, no child outlives the demo: one that has not exited a second after
    // closing its output (or that is still writing, after an error) is killed by its PID.
    if (!child.WaitForExit(TimeSpan.FromSeconds(1)))
    {
        child.Kill(entireProcessTree: true);
        child.WaitForExit();
        Console.WriteLine($"child {child.Id} killed");
    }
    else
    {
        Console.WriteLine($"child {child.Id} exited with {child.ExitCode}");
    }
}

return 0;

// The next line without its '\n'; what is left at the end of the output; null after that.
static async Task<string?> ReadLineAsync(PipeReader reader, CancellationToken cancellationToken)
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
            var rest = buffer.IsEmpty ? null : Encoding.UTF8.GetString(buffer);
            reader.AdvanceTo(buffer.End);
            return rest;
        }

        reader.AdvanceTo(buffer.Start, buffer.End); // nothing consumed, all of it seen: wait for more
    }
}
