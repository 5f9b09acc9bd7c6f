using System;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// samples/EventSources as a child process on every backend: with --self-test it serves an echo, counts
/// ten timer ticks, reaps a child and then stops on the SIGTERM it sends itself, all through one Wait;
/// exit status 0 means every kind of event arrived.
/// </summary>
public sealed class EventSourcesSampleTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void The_sample_serves_sockets_ticks_reaps_and_stops_on_SIGTERM_in_one_Wait(string backend)
    {
        using (Backends.Open(backend))
        {
            // skips (or fails, when required) a backend that cannot run here
        }

        var run = SampleProcess.Run("EventSources", TimeSpan.FromSeconds(60), "--self-test", "--backend", backend);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("terminated by signal: True", run.Output, StringComparison.Ordinal);
    }
}
