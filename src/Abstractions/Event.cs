using System;

namespace EporeX;

/// <summary>
/// One readiness report: the <see cref="Token"/> the descriptor was registered with and what it is ready
/// for. Readiness is a hint, as with every readiness API: an operation may still return EAGAIN.
/// </summary>
public readonly struct Event : IEquatable<Event>
{
    /// <summary>Creates an event. Backends call this; applications receive events from <c>Poll.Wait</c>.</summary>
    /// <param name="token">The token of the registration that is ready.</param>
    /// <param name="readiness">What it is ready for.</param>
    public Event(Token token, Readiness readiness)
    {
        Token = token;
        Readiness = readiness;
    }

    /// <summary>The token the descriptor was registered with.</summary>
    public Token Token { get; }

    /// <summary>Every readiness bit of this event.</summary>
    public Readiness Readiness { get; }

    /// <summary>A read will not block.</summary>
    public bool IsReadable => (Readiness & Readiness.Readable) != 0;

    /// <summary>A write will not block.</summary>
    public bool IsWritable => (Readiness & Readiness.Writable) != 0;

    /// <summary>An error is pending on the descriptor.</summary>
    public bool IsError => (Readiness & Readiness.Error) != 0;

    /// <summary>The read half is closed (peer shut down writing, closed, or the pipe lost its writers).</summary>
    public bool IsReadClosed => (Readiness & Readiness.ReadClosed) != 0;

    /// <summary>The write half is closed (peer gone, or the pipe lost its readers).</summary>
    public bool IsWriteClosed => (Readiness & Readiness.WriteClosed) != 0;

    /// <summary>Priority data is pending.</summary>
    public bool IsPriority => (Readiness & Readiness.Priority) != 0;

    /// <inheritdoc />
    public bool Equals(Event other) => Token == other.Token && Readiness == other.Readiness;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Event other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Token, Readiness);

    /// <summary>Compares two events by token and readiness.</summary>
    public static bool operator ==(Event left, Event right) => left.Equals(right);

    /// <summary>Compares two events by token and readiness.</summary>
    public static bool operator !=(Event left, Event right) => !left.Equals(right);

    /// <summary>For example <c>Event(7: Readable, ReadClosed)</c>.</summary>
    public override string ToString() => $"Event({Token}: {Readiness})";
}
