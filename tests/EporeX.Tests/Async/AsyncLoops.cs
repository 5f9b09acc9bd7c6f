using System;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>Event loops on a named backend (skipped with the probe's reason where it cannot run), and test timing.</summary>
public static class AsyncLoops
{
    /// <summary>How long a test waits for something that must happen; generous, since 5 jobs share 2 cores.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>How long a test waits to be fairly sure something does not happen.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    public static EventLoop Open(string backend, bool inline = false) =>
        new(Backends.Open(backend), new EventLoopOptions { InlineContinuations = inline });

    /// <summary>Every backend crossed with both continuation modes.</summary>
    public static TheoryData<string, bool> AllWithModes()
    {
        var data = new TheoryData<string, bool>();
        foreach (var provider in EventQueue.CreateProviders())
        {
            data.Add(provider.Name, false);
            data.Add(provider.Name, true);
        }

        return data;
    }

    /// <summary>For a call that must throw synchronously: its ValueTask, if any, is never awaited.</summary>
    public static void Start<T>(ValueTask<T> task) => _ = task.IsCompleted;

    /// <summary>Awaits <paramref name="task"/>, failing the test if it takes longer than <see cref="Patience"/>.</summary>
    public static async Task<T> Within<T>(ValueTask<T> task) => await task.AsTask().WaitAsync(Patience);

    public static async Task Within(ValueTask task) => await task.AsTask().WaitAsync(Patience);

    public static async Task Within(Task task) => await task.WaitAsync(Patience);
}
