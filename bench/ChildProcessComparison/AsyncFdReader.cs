using System;
using System.IO.Pipes;
using System.Threading.Tasks;

namespace EporeX.Bench.ChildProcessComparison;

/// <summary>
/// The child's stdout pipe through EporeX: the descriptor is made non-blocking, registered with the
/// <see cref="EventLoop"/>, and read only through the <see cref="AsyncFd"/>'s stream, so a read that waits
/// is an await on readiness that the token can end at any time.
/// </summary>
/// <remarks>
/// Process leaves the pipe blocking (only O_CLOEXEC is set). O_NONBLOCK belongs to the open file
/// description, so once it is set every reader of that descriptor sees EAGAIN instead of blocking: nothing
/// else (Process.StandardOutput, a FileStream) may read it from then on. The child's end is another
/// description and stays blocking.
/// </remarks>
internal static class AsyncFdReader
{
    public const string Name = "EporeX AsyncFd.AsStream() + PipeReader";

    public static async Task<(Timeline Timeline, bool WasNonBlocking)> RunAsync(EventLoop loop, ChildScript script, TimeSpan timeout, TimeSpan grace)
    {
        var timeline = new Timeline(Name);
        using var child = script.Start();
        try
        {
            var pipe = ((PipeStream)child.StandardOutput.BaseStream).SafePipeHandle;
            var wasNonBlocking = PipeNative.IsNonBlocking(pipe);
            PipeNative.SetNonBlocking(pipe);
            using var fd = loop.Register(pipe, Interest.Readable, leaveOpen: true); // the Process owns its pipe
            await using var lines = new LineReader(fd.AsStream());
            await LineTimeouts.RunAsync(ct => lines.ReadLineAsync(ct), timeline, timeout, grace, script.Length + timeout * 2).ConfigureAwait(false);
            return (timeline, wasNonBlocking);
        }
        finally
        {
            ChildScript.Stop(child);
        }
    }
}
