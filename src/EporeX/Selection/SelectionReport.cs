using System;
using System.Collections.Generic;
using System.Text;

namespace EporeX;

/// <summary>What the factory was asked for, every backend it knows with its probe's answer, and the one it chose.</summary>
public sealed class SelectionReport
{
    internal SelectionReport(string requested, string source, string? chosen, IReadOnlyList<BackendProbe> backends)
    {
        Requested = requested;
        Source = source;
        Chosen = chosen;
        Backends = backends;
    }

    /// <summary>The backend asked for, <c>auto</c> included.</summary>
    public string Requested { get; }

    /// <summary>Where the request came from: <c>EventQueueOptions.Backend</c>, <c>EPOREX_BACKEND</c> or <c>default</c>.</summary>
    public string Source { get; }

    /// <summary>The backend chosen, or null when none could be.</summary>
    public string? Chosen { get; }

    /// <summary>Every backend the factory knows, most preferred first.</summary>
    public IReadOnlyList<BackendProbe> Backends { get; }

    /// <summary>A few lines for a log: the choice, then each backend and why it is or is not usable.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("EporeX backend: ").Append(Chosen ?? "none")
            .Append(" (requested '").Append(Requested).Append("' by ").Append(Source).Append(')');
        foreach (var backend in Backends)
        {
            text.AppendLine().Append("  ").Append(backend);
        }

        if (Backends.Count == 0)
        {
            text.AppendLine().Append("  (no backend is installed: add one, or call AddEventQueue())");
        }

        return text.ToString();
    }
}

/// <summary>One backend's line in a <see cref="SelectionReport"/>.</summary>
/// <param name="Name">The backend's name.</param>
/// <param name="Priority">Its priority; higher is preferred.</param>
/// <param name="IsSupported">Whether it can run here.</param>
/// <param name="Detail">What its probe found.</param>
/// <param name="IsChosen">Whether the factory chose it.</param>
public sealed record BackendProbe(string Name, int Priority, bool IsSupported, string Detail, bool IsChosen)
{
    /// <summary>For example <c>* epoll (priority 300): supported: epoll_create1 succeeded</c>.</summary>
    public override string ToString() =>
        $"{(IsChosen ? "*" : "-")} {Name} (priority {Priority}): {(IsSupported ? "supported" : "unavailable")}: {Detail}";
}

/// <summary>No backend could be chosen: the one asked for is unknown or cannot run here, or none can.</summary>
public sealed class EventQueueUnavailableException : EventQueueException
{
    /// <summary>Creates the exception with its report.</summary>
    public EventQueueUnavailableException(string message, SelectionReport report)
        : base($"{message}{Environment.NewLine}{report}") => Report = report;

    /// <summary>Creates the exception.</summary>
    public EventQueueUnavailableException()
        : this("No event queue backend is available.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public EventQueueUnavailableException(string message)
        : base(message) => Report = new SelectionReport("auto", "default", null, Array.Empty<BackendProbe>());

    /// <summary>Creates the exception with a message and a cause.</summary>
    public EventQueueUnavailableException(string message, Exception innerException)
        : base(message, innerException) => Report = new SelectionReport("auto", "default", null, Array.Empty<BackendProbe>());

    /// <summary>Every backend and why it was or was not usable.</summary>
    public SelectionReport Report { get; }
}
