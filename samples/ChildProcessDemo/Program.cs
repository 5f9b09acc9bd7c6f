using System;
using EporeX;
using EporeX.Samples.ChildProcessDemo;

// Reads a child's stdout line by line with a per-line timeout, three ways at once (one child each):
// through an EporeX AsyncFd, through a FileStream over the same kind of pipe (dotnet/runtime#127594), and
// through Process.StandardOutput. Prints what each one saw, and when. Every child is killed by its PID at
// the end; the run takes about 6 s (--quick: about 2 s).
var settings = Demo.Default;
string? backend = null;
var inline = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick":
            settings = Demo.Quick;
            break;
        case "--backend" when i + 1 < args.Length:
            backend = args[++i];
            break;
        case "--inline":
            inline = true;
            break;
        default:
            Console.Error.WriteLine("usage: ChildProcessDemo [--quick] [--backend epoll|kqueue|poll|auto] [--inline]");
            return 2;
    }
}

await using var loop = new EventLoop(new EventLoopOptions { Backend = backend, InlineContinuations = inline });
Console.WriteLine($"child: sh -c '{settings.Script.Command}'; per-line timeout {settings.Timeout.TotalMilliseconds} ms; EventLoop on {loop.Backend}");
var result = await Demo.RunAsync(loop, settings);
Console.WriteLine($"the stdout pipe Process gave was {(result.PipeWasNonBlocking ? "already" : "blocking, not")} O_NONBLOCK; the AsyncFd reader set O_NONBLOCK and alone reads it\n");
foreach (var timeline in new[] { result.AsyncFd, result.FileStream, result.ProcessStream })
{
    Console.Write(timeline);
    Console.WriteLine($"  => {result.Verdict(timeline)}\n");
}

if (result.TimerLateMs > 500)
{
    Console.WriteLine($"note: a timeout timer fired {result.TimerLateMs:F0} ms late (a busy machine); this run may show less than it should");
}

return 0;
