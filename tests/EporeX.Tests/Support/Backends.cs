using System;
using System.Collections.Generic;
using System.Linq;
using EporeX.ThirdPartyBackend;

namespace EporeX.Tests.Support;

/// <summary>
/// Every backend the EporeX package ships, as theory data. A test over a backend that cannot run here is
/// reported as skipped with the probe's reason, never passed.
/// </summary>
public static class Backends
{
    public static TheoryData<string> All() => Names(EventQueue.CreateProviders());

    /// <summary>Every backend, once with false and once with true (a mode switch: inline continuations, a pipe…).</summary>
    public static TheoryData<string, bool> AllWithFalseAndTrue()
    {
        var data = new TheoryData<string, bool>();
        foreach (var backend in All())
        {
            data.Add(backend, false);
            data.Add(backend, true);
        }

        return data;
    }

    /// <summary>Every backend crossed with every descriptor kind that can be read from.</summary>
    public static TheoryData<string, string> WithReadableKinds() => Cross(EventQueue.CreateProviders(), Endpoint.ReadableKinds);

    /// <summary>Every backend crossed with every kind that can also be written (socketpair, TCP).</summary>
    public static TheoryData<string, string> WithDuplexKinds() => Cross(EventQueue.CreateProviders(), Endpoint.DuplexKinds);

    /// <summary>
    /// The shipped backends and a third party's (tests/EporeX.ThirdPartyBackend, built from the public
    /// backend kit alone), for the basic theories every backend must pass: readiness, wakers, timeouts,
    /// bad input.
    /// </summary>
    public static TheoryData<string> AllWithThirdParty() => Names(Providers());

    /// <summary><see cref="AllWithThirdParty"/> crossed with every descriptor kind that can be read from.</summary>
    public static TheoryData<string, string> WithReadableKindsAndThirdParty() => Cross(Providers(), Endpoint.ReadableKinds);

    /// <summary><see cref="AllWithThirdParty"/> crossed with every kind that can also be written.</summary>
    public static TheoryData<string, string> WithDuplexKindsAndThirdParty() => Cross(Providers(), Endpoint.DuplexKinds);

    /// <summary>
    /// Every backend, and the poll(2) backend once more with the timers it uses where there is no timerfd
    /// (<see cref="PollDeadlineTimersProvider"/>), for the timer theories.
    /// </summary>
    public static TheoryData<string> WithTimers() => Names(EventQueue.CreateProviders().Append(new PollDeadlineTimersProvider()));

    /// <summary>
    /// A Poll on <paramref name="backend"/>, or a skip with the reason it cannot run here. A backend named in
    /// <c>EPOREX_REQUIRE_BACKENDS</c> (comma-separated; the CI matrix sets it per OS) fails instead of skipping.
    /// </summary>
    public static Poll Open(string backend)
    {
        var provider = Openable().Single(p => p.Name == backend);
        var required = (Environment.GetEnvironmentVariable("EPOREX_REQUIRE_BACKENDS") ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.True(provider.Support.IsSupported || !required.Contains(backend, StringComparer.OrdinalIgnoreCase),
            $"{backend} is required here (EPOREX_REQUIRE_BACKENDS) but cannot run: {provider.Support.Detail}");
        Skip.IfNot(provider.Support.IsSupported, $"{backend} cannot run here: {provider.Support.Detail}");
        return new Poll(provider.Create());
    }

    /// <summary>Skips unless <paramref name="poll"/> supports <paramref name="mode"/>.</summary>
    public static void RequireMode(Poll poll, PollMode mode) =>
        Skip.IfNot(poll.Capabilities.Supports(mode), $"{poll.Backend} does not support PollMode.{mode} ({poll.Capabilities})");

    private static IEnumerable<IEventQueueProvider> Providers() => EventQueue.CreateProviders().Append(new SimplePollProvider());

    private static IEnumerable<IEventQueueProvider> Openable() => Providers().Append(new PollDeadlineTimersProvider());

    private static TheoryData<string> Names(IEnumerable<IEventQueueProvider> providers)
    {
        var data = new TheoryData<string>();
        foreach (var provider in providers)
        {
            data.Add(provider.Name);
        }

        return data;
    }

    private static TheoryData<string, string> Cross(IEnumerable<IEventQueueProvider> providers, string[] kinds)
    {
        var data = new TheoryData<string, string>();
        foreach (var provider in providers)
        {
            foreach (var kind in kinds)
            {
                data.Add(provider.Name, kind);
            }
        }

        return data;
    }
}
