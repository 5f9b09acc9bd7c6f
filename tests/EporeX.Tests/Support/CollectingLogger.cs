using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace EporeX.Tests.Support;

/// <summary>
/// A logger, and a provider of one per category, that keeps every entry with its event, exception and
/// structured values: the one home for asserting what a component logged.
/// </summary>
public sealed class CollectingLogger : ILogger, ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => _entries.ToArray();

    public IEnumerable<Entry> From(string category) => Entries.Where(e => e.Category == category);

    public ILogger CreateLogger(string categoryName) => new Category(this, categoryName);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Keep("", logLevel, eventId, state, exception, formatter);

    public void Dispose()
    {
    }

    private void Keep<TState>(string category, LogLevel level, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
        _entries.Enqueue(new Entry(category, level, id, formatter(state, exception), exception, values.ToDictionary(v => v.Key, v => v.Value)));
    }

    public sealed record Entry(string Category, LogLevel Level, EventId Id, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Values)
    {
        /// <summary>"[category/event] message", then the exception on the next line if there was one.</summary>
        public string Line => Exception is null ? $"[{Category}/{Id.Name}] {Message}" : $"[{Category}/{Id.Name}] {Message}\n  {Exception}";
    }

    private sealed class Category(CollectingLogger owner, string name) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Keep(name, logLevel, eventId, state, exception, formatter);
    }
}
