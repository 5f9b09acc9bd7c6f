using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// Holds one reference on a <see cref="SafeHandle"/> for the length of one native call
/// (<c>using var reference = new HandleReference(handle);</c>), so a concurrent Dispose can never close
/// the number, and let the kernel hand it to someone else, while the call is using it.
/// </summary>
/// <remarks>
/// Never keep one beyond the call: on .NET 10 <c>Socket.Dispose</c> blocks until every reference is
/// released. A ref struct, so the hot paths that take one allocate nothing.
/// </remarks>
internal ref struct HandleReference
{
    private SafeHandle? _handle;

    /// <summary>Takes the reference.</summary>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public HandleReference(SafeHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        _handle = added ? handle : null;
        Value = handle.DangerousGetHandle();
    }

    /// <summary>The raw value, valid until <see cref="Dispose"/>.</summary>
    public readonly nint Value;

    /// <summary>Releases the reference; a second call does nothing, so the count is never released twice.</summary>
    public void Dispose()
    {
        _handle?.DangerousRelease();
        _handle = null;
    }
}
