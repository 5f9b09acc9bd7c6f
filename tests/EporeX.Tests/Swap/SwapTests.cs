using System;
using System.Collections.Generic;
using System.Linq;
using EporeX.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EporeX.Tests.Swap;

/// <summary>
/// Swapping the backend must change nothing a program can observe: the same script, run through the DI
/// container on each backend this machine supports, reports the same events (per wait, as a set).
/// </summary>
public sealed class SwapTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Every_supported_backend_observes_the_same_events_through_the_container()
    {
        var backends = Supported();
        Skip.If(backends.Count < 2, $"only {string.Join(", ", backends)} can run here: nothing to swap");

        var traces = backends.ToDictionary(b => b, b => RunInContainer(o => o.Backend = b, b));

        AssertSame(traces);
        output.WriteLine($"the same on {string.Join(", ", backends)}:");
        foreach (var line in traces[backends[0]])
        {
            output.WriteLine($"  {line}");
        }
    }

    [SkippableFact]
    public void Auto_observes_what_the_backend_it_chooses_observes()
    {
        var auto = RunInContainer(o => o.Backend = EventQueueOptions.Auto, Supported()[0]);
        var named = RunInContainer(o => o.Backend = Supported()[0], Supported()[0]);

        AssertSame(new Dictionary<string, IReadOnlyList<string>> { ["auto"] = auto, [Supported()[0]] = named });
    }

    /// <summary>Every backend the EporeX package ships that can run here, most preferred first.</summary>
    internal static List<string> Supported() =>
        EventQueue.CreateProviders().Where(p => p.Support.IsSupported).OrderByDescending(p => p.Priority).Select(p => p.Name).ToList();

    /// <summary>Builds a container with <c>AddEventQueue</c>, checks it chose <paramref name="expected"/>, and runs the script on its Poll.</summary>
    internal static IReadOnlyList<string> RunInContainer(Action<EventQueueOptions>? configure, string expected)
    {
        using var services = new ServiceCollection().AddEventQueue(configure).BuildServiceProvider();
        var poll = services.GetRequiredService<Poll>();
        Assert.Equal(expected, poll.Backend);
        Assert.Equal(expected, services.GetRequiredService<EventQueueFactory>().Report.Chosen);
        return SwapScenario.Run(poll, services.GetRequiredService<Registry>());
    }

    /// <summary>Fails at the first wait where two backends saw different events, naming both.</summary>
    internal static void AssertSame(IReadOnlyDictionary<string, IReadOnlyList<string>> traces)
    {
        var (reference, expected) = traces.First();
        Assert.NotEmpty(expected);
        foreach (var (backend, trace) in traces.Skip(1))
        {
            for (var i = 0; i < Math.Max(expected.Count, trace.Count); i++)
            {
                var mine = i < trace.Count ? trace[i] : "(no such wait)";
                var theirs = i < expected.Count ? expected[i] : "(no such wait)";
                Assert.True(mine == theirs, $"wait #{i} differs:{Environment.NewLine}  {reference}: {theirs}{Environment.NewLine}  {backend}: {mine}");
            }
        }
    }
}

/// <summary>The same script chosen through <c>EPOREX_BACKEND</c>; the variable is process-wide, so these run alone and restore it.</summary>
[Collection(SerialCollection.Name)]
public sealed class SwapEnvironmentTests
{
    [SkippableFact]
    public void Every_supported_backend_observes_the_same_events_through_EPOREX_BACKEND()
    {
        var backends = SwapTests.Supported();
        var traces = new Dictionary<string, IReadOnlyList<string>>
        {
            [$"{backends[0]} by options"] = SwapTests.RunInContainer(o => o.Backend = backends[0], backends[0]),
        };

        WithEnvironment(() =>
        {
            foreach (var backend in backends)
            {
                Environment.SetEnvironmentVariable(EventQueueOptions.EnvironmentVariable, backend);
                using (var services = new ServiceCollection().AddEventQueue().BuildServiceProvider())
                {
                    Assert.Equal(EventQueueOptions.EnvironmentVariable, services.GetRequiredService<EventQueueFactory>().Report.Source);
                }

                traces[$"{backend} by {EventQueueOptions.EnvironmentVariable}"] = SwapTests.RunInContainer(null, backend);
            }
        });

        Assert.Equal(backends.Count + 1, traces.Count);
        SwapTests.AssertSame(traces);
    }

    [Fact]
    public void An_unsupported_backend_in_EPOREX_BACKEND_fails_listing_every_reason() =>
        WithEnvironment(() =>
        {
            Environment.SetEnvironmentVariable(EventQueueOptions.EnvironmentVariable, UnavailableProvider.BackendName);
            using var services = new ServiceCollection().AddEventQueue().AddEventQueueBackend<UnavailableProvider>().BuildServiceProvider();

            var e = Assert.Throws<EventQueueUnavailableException>(() => services.GetRequiredService<Poll>());

            Assert.Contains($"'{UnavailableProvider.BackendName}' (from {EventQueueOptions.EnvironmentVariable}) cannot run on this machine: {UnavailableProvider.Reason}", e.Message);
            UnavailableBackendTests.AssertListsEveryBackend(e);
        });

    private static void WithEnvironment(Action action)
    {
        var previous = Environment.GetEnvironmentVariable(EventQueueOptions.EnvironmentVariable);
        try
        {
            action();
        }
        finally
        {
            Environment.SetEnvironmentVariable(EventQueueOptions.EnvironmentVariable, previous);
        }
    }
}
