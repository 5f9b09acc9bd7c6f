using System.Runtime.InteropServices;

namespace EporeX;

/// <summary>
/// What a descriptor is registered for, as the <c>Registry</c> hands it to an <see cref="IEventQueue"/>.
/// </summary>
/// <param name="Token">The caller's token.</param>
/// <param name="Interest">The readiness asked for; validated against the backend's capabilities.</param>
/// <param name="Mode">How often readiness is reported; validated against the backend's capabilities.</param>
/// <param name="Owner">
/// The handle object the descriptor was registered through, or null for a raw descriptor. A backend that
/// cannot learn of a close from the kernel (poll(2)) checks <see cref="SafeHandle.IsClosed"/> before it
/// reports readiness, so that a new descriptor reusing the number never gets the old token. The library
/// never holds a reference count on it beyond a single native call.
/// </param>
public readonly record struct Registration(Token Token, Interest Interest, PollMode Mode, SafeHandle? Owner = null)
{
    /// <summary>True when the registration was made through a handle object that has since been closed.</summary>
    public bool IsOwnerClosed => Owner is { IsClosed: true };
}
