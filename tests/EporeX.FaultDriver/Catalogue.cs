using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using EporeX.FaultDriver.Scenarios;

namespace EporeX.FaultDriver;

/// <summary>The scenarios, by the name <c>--scenario</c> takes.</summary>
internal static class Catalogue
{
    private static readonly Dictionary<string, Action<ScenarioContext>> Scenarios = new(StringComparer.Ordinal)
    {
        ["poll"] = context => PollScenario.Run(context, signalsAndChildren: true),
        ["wake"] = context => PollScenario.Run(context, signalsAndChildren: false),
        ["async"] = AsyncScenario.Run,
        ["create"] = CreateScenario.Run,
        ["register"] = RegisterScenario.Run,
        ["first-poll"] = FirstPollScenario.Run,
        ["listener"] = context => ListenerScenario.Run(context, ListenerScenario.Fault.SomeAcceptsFail),
        ["listener-refused"] = context => ListenerScenario.Run(context, ListenerScenario.Fault.EveryAcceptRefused),
        ["listener-broken"] = context => ListenerScenario.Run(context, ListenerScenario.Fault.ListenerBroken),
    };

    public static IEnumerable<string> Names => Scenarios.Keys;

    /// <summary>True for the scenarios that watch the child process end (the others end it before strace attaches: its SIGCHLD makes the runtime write to its signal pipe).</summary>
    public static bool EndsChild(string name) => name is "poll" or "create";

    /// <summary>True for the scenario that must make the process's first Poll itself (no warm-up Poll or EventLoop).</summary>
    public static bool MakesFirstPoll(string name) => name == "first-poll";

    public static bool TryGet(string name, [NotNullWhen(true)] out Action<ScenarioContext>? run) => Scenarios.TryGetValue(name, out run);
}
