namespace EporeX;

/// <summary>
/// The caller's key for a registration: every <see cref="Event"/> carries the token that its descriptor
/// was registered with, so the caller can find its own state without a lookup by descriptor.
/// </summary>
/// <param name="Value">Any value the caller likes; the library never interprets it.</param>
public readonly record struct Token(ulong Value)
{
    /// <summary>Returns the token's value in decimal.</summary>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
