using System;

namespace EporeX.Unix;

/// <summary>
/// The one rule for an <see cref="Interest"/> argument, shared by every API that takes one (the Registry,
/// the async layer's EventLoop): a non-empty combination of the defined flags. Whether the backend can
/// watch each flag is a separate question, answered by its capabilities.
/// </summary>
internal static class InterestRules
{
    /// <summary>Every defined interest flag.</summary>
    public const Interest All = Interest.Readable | Interest.Writable | Interest.Priority;

    /// <exception cref="ArgumentException"><paramref name="interest"/> is empty or has an undefined flag.</exception>
    public static void Validate(Interest interest, string paramName = "interest")
    {
        if (interest == 0 || (interest & ~All) != 0)
        {
            throw new ArgumentException($"Interest must be a non-empty combination of Readable, Writable and Priority; got {interest}.", paramName);
        }
    }
}
