using System;
using System.IO;
using System.IO.Pipes;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Bench.ChildProcessComparison;

/// <summary>
/// The dotnet/runtime#127594 case: the child's stdout pipe in a <see cref="FileStream"/> (what
/// <c>new FileStream(SafeFileHandle, …)</c> gives for a pipe handle, as with the .NET 11
/// <c>ProcessStartInfo.StandardOutputHandle</c> pipes) and <see cref="StreamReader.ReadLineAsync(System.Threading.CancellationToken)"/>.
/// FileStream reads a pipe with a blocking read(2) on a thread-pool thread; the token is looked at only
/// before that read starts.
/// </summary>
internal static class FileStreamReader
{
    public const string Name = "FileStream + StreamReader.ReadLineAsync(ct)";

    public static async Task<Timeline> RunAsync(ChildScript script, TimeSpan timeout, TimeSpan grace)
    {
        var timeline = new Timeline(Name);
        using var child = script.Start();
        try
        {
            // The pipe's descriptor, not owned: the Process keeps it and closes it. Only the FileStream reads it.
            var pipe = ((PipeStream)child.StandardOutput.BaseStream).SafePipeHandle;
            using var handle = new SafeFileHandle(pipe.DangerousGetHandle(), ownsHandle: false);
            await using var file = new FileStream(handle, FileAccess.Read, bufferSize: 1);
            using var reader = new StreamReader(file);
            await LineTimeouts.RunAsync(ct => reader.ReadLineAsync(ct), timeline, timeout, grace, script.Length + timeout * 2).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            timeline.Add(StepKind.NotCancelled, timeline.Now, "(nothing: gave up and killed the child)");
        }
        finally
        {
            ChildScript.Stop(child);
        }

        return timeline;
    }
}
