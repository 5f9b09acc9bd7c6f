using System;
using EporeX;
using EporeX.Bench.ChildProcessComparison;

// The child-process comparison: reads a child's stdout line by line with a per-line timeout, three ways at
// once (one child each): through an EporeX AsyncFd, through a FileStream over the same kind of pipe
// (dotnet/runtime#127594), and through Process.StandardOutput. Prints what each one saw, and when, then
// one machine-readable line per reader (RESULT …) and one for the run (RUN …). Every child is killed by its
// PID at the end; the run takes about 6 s (--quick: about 3 s). The sample a user copies is
// samples/ChildProcessDemo (the AsyncFd way alone).
var settings = Comparison.Default;
string? backend = null;
var inline = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick":
            settings = Comparison.Quick;
            break;
        case "--backend" when i + 1 < args.Length:
            backend = args[++i];
            break;
        case "--inline":
            inline = true;
            break;
        default:
            Console.Error.WriteLine("usage: ChildProcessComparison [--quick] [--backend epoll|kqueue|poll|auto] [--inline]");
            return 2;
    }
}

await using var loop = new EventLoop(new EventLoopOptions { Backend = backend, InlineContinuations = inline });
Console.WriteLine($"child: sh -c '{settings.Script.Command}'; per-line timeout {settings.Timeout.TotalMilliseconds} ms; EventLoop on {loop.Backend}");
var result = await Comparison.RunAsync(loop, settings);
Console.WriteLine($"the stdout pipe Process gave was {(result.PipeWasNonBlocking ? "already" : "blocking, not")} O_NONBLOCK; the AsyncFd reader set O_NONBLOCK and alone reads it\n");
foreach (var timeline in new[] { result.AsyncFd, result.FileStream, result.ProcessStream })
{
    Console.Write(timeline);
    Console.WriteLine($"  => {result.Verdict(timeline)}\n");
}

if (result.TimerLateMs > settings.InconclusiveAfterMs)
{
    Console.WriteLine($"note: a timeout timer fired {result.TimerLateMs:F0} ms late (a busy machine); this run may show less than it should\n");
}

Console.WriteLine(ComparisonResult.ResultRow("asyncfd", result.AsyncFd));
Console.WriteLine(ComparisonResult.ResultRow("filestream", result.FileStream));
Console.WriteLine(ComparisonResult.ResultRow("process", result.ProcessStream));
Console.WriteLine(result.RunRow(loop.Backend));

return 0;
