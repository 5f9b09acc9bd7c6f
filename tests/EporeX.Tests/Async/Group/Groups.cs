using System;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>Loop groups on a named backend (skipped with the probe's reason where it cannot run).</summary>
public static class Groups
{
    public static EventLoopGroup Open(string backend, int loops, LoopAssignment assignment = LoopAssignment.RoundRobin, bool inline = false, string? name = null)
    {
        Backends.Open(backend).Dispose(); // skips, or fails when required, exactly as the other theories do
        return new EventLoopGroup(new EventLoopGroupOptions
        {
            Backend = backend,
            LoopCount = loops,
            Assignment = assignment,
            InlineContinuations = inline,
            Name = name ?? "EporeX loop",
        });
    }

    /// <summary>
    /// Awaits readability and, where the await resumes, tells whether that is <paramref name="fd"/>'s loop
    /// thread and what <paramref name="there"/> returns. Call it before making the descriptor ready: the
    /// await then suspends, so with inline continuations it resumes on the loop thread.
    /// </summary>
    public static async System.Threading.Tasks.Task<(bool OnLoopThread, T Value)> OnLoopThread<T>(AsyncFd fd, Func<T> there)
    {
        await fd.ReadableAsync().ConfigureAwait(false); // xunit's context would post the continuation elsewhere
        return (fd.Loop.IsLoopThread, there());
    }

    /// <summary>The index of <paramref name="loop"/> in <paramref name="group"/>.</summary>
    public static int IndexOf(this EventLoopGroup group, EventLoop loop)
    {
        for (var i = 0; i < group.Count; i++)
        {
            if (ReferenceEquals(group[i], loop))
            {
                return i;
            }
        }

        throw new InvalidOperationException("the loop is not in the group");
    }
}
