using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Options;

namespace EporeX;

/// <summary>
/// Chooses a backend once, when it is created, and then creates queues and Polls on it. The choice is
/// <see cref="EventQueueOptions.Backend"/> if set, else the environment variable <c>EPOREX_BACKEND</c>, else
/// the supported backend with the highest priority. <see cref="Report"/> says what was chosen and why.
/// </summary>
public sealed class EventQueueFactory
{
    private readonly IEventQueueProvider _provider;

    /// <summary>Chooses among <paramref name="providers"/> as <paramref name="options"/> say.</summary>
    /// <exception cref="EventQueueUnavailableException">
    /// The backend asked for is unknown or cannot run here, or no backend can; the message lists every
    /// backend with the reason.
    /// </exception>
    public EventQueueFactory(IEnumerable<IEventQueueProvider> providers, IOptions<EventQueueOptions> options)
        : this(providers, options?.Value)
    {
    }

    /// <summary>Chooses among <paramref name="providers"/>; with no options, by <c>EPOREX_BACKEND</c> or automatically.</summary>
    /// <exception cref="EventQueueUnavailableException">As for the other constructor.</exception>
    public EventQueueFactory(IEnumerable<IEventQueueProvider> providers, EventQueueOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        var ordered = providers
            .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).Select(g => g.First())
            .OrderByDescending(p => p.Priority).ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToArray();
        Providers = ordered;

        var (requested, source) = Requested(options);
        IEventQueueProvider? chosen;
        string? failure = null;
        if (string.Equals(requested, EventQueueOptions.Auto, StringComparison.OrdinalIgnoreCase))
        {
            chosen = ordered.FirstOrDefault(p => p.Support.IsSupported);
            if (chosen is null)
            {
                failure = "No event queue backend can run on this machine.";
            }
        }
        else
        {
            chosen = ordered.FirstOrDefault(p => string.Equals(p.Name, requested, StringComparison.OrdinalIgnoreCase));
            if (chosen is null)
            {
                failure = $"The event queue backend '{requested}' (from {source}) is not known; known: {string.Join(", ", ordered.Select(p => p.Name).Append(EventQueueOptions.Auto))}.";
            }
            else if (!chosen.Support.IsSupported)
            {
                failure = $"The event queue backend '{chosen.Name}' (from {source}) cannot run on this machine: {chosen.Support.Detail}.";
                chosen = null;
            }
        }

        Report = new SelectionReport(
            requested,
            source,
            chosen?.Name,
            ordered.Select(p => new BackendProbe(p.Name, p.Priority, p.Support.IsSupported, p.Support.Detail, ReferenceEquals(p, chosen))).ToArray());
        if (failure is not null)
        {
            throw new EventQueueUnavailableException(failure, Report);
        }

        _provider = chosen!;
    }

    /// <summary>What was asked for, what was chosen, and every backend's probe.</summary>
    public SelectionReport Report { get; }

    /// <summary>The name of the chosen backend.</summary>
    public string Backend => _provider.Name;

    /// <summary>Every backend this factory knows, most preferred first.</summary>
    public IReadOnlyList<IEventQueueProvider> Providers { get; }

    /// <summary>Creates a new kernel queue on the chosen backend.</summary>
    public IEventQueue CreateQueue() => _provider.Create();

    /// <summary>Creates a new <see cref="Poll"/> on the chosen backend.</summary>
    public Poll CreatePoll() => new(CreateQueue());

    private static (string Requested, string Source) Requested(EventQueueOptions? options)
    {
        if (!string.IsNullOrWhiteSpace(options?.Backend))
        {
            return (options.Backend.Trim(), "EventQueueOptions.Backend");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EventQueueOptions.EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment)
            ? (EventQueueOptions.Auto, "default")
            : (fromEnvironment.Trim(), EventQueueOptions.EnvironmentVariable);
    }
}
