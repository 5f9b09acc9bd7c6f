using System;

namespace EporeX;

/// <summary>
/// A backend's timer, owned by a <c>TimerSource</c>, which validates arguments and disposal before
/// it calls in. Every member may be called from any thread while another thread waits.
/// </summary>
/// <remarks>
/// The contract every backend keeps: time is the monotonic clock; no expiration comes early; a wait
/// reports the timer's token once for one or more expirations that happened since the timer's previous
/// event; expirations are counted, never queued; <see cref="Arm"/> and <see cref="Disarm"/> discard the
/// expirations not yet consumed, and no wait that starts after they return reports the old schedule.
/// </remarks>
public interface IEventQueueTimer : IDisposable
{
    /// <summary>Replaces the schedule: first expiration after <paramref name="due"/>, then every <paramref name="period"/> (null: once).</summary>
    /// <param name="due">Not negative; zero means as soon as possible.</param>
    /// <param name="period">Null, or positive.</param>
    void Arm(TimeSpan due, TimeSpan? period);

    /// <summary>Stops the timer; it stays usable and can be armed again.</summary>
    void Disarm();

    /// <summary>How many expirations happened since the last call (or since the last Arm); 0 when none.</summary>
    long Consume();
}
