using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;

namespace EporeX.Tests.Hosting;

/// <summary>A logger (and provider) that keeps every entry, with its structured values.</summary>
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
        _entries.Enqueue(new Entry(category, level, id, formatter(state, exception), values.ToDictionary(v => v.Key, v => v.Value)));
    }

    public sealed record Entry(string Category, LogLevel Level, EventId Id, string Message, IReadOnlyDictionary<string, object?> Values);

    private sealed class Category(CollectingLogger owner, string name) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Keep(name, logLevel, eventId, state, exception, formatter);
    }
}
