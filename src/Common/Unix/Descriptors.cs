using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// The one place a handle object becomes a descriptor number: the Registry, SocketIO and the async layer
/// all take SafeHandles (SafeSocketHandle, SafeFileHandle, SafePipeHandle…) and need the int the kernel
/// knows it by.
/// </summary>
internal static class Descriptors
{
    /// <summary>
    /// The descriptor <paramref name="handle"/> holds. Call it while a <see cref="HandleReference"/> is held
    /// (or just before taking one), so that the number cannot be closed and reused meanwhile.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The handle is invalid, or its value is no descriptor (negative, or beyond an int: a handle that is
    /// not a Unix descriptor at all).
    /// </exception>
    public static int FromHandle(SafeHandle handle, string paramName = "handle")
    {
        var value = handle.DangerousGetHandle().ToInt64();
        if (handle.IsInvalid || value < 0 || value > int.MaxValue)
        {
            throw new ArgumentException($"The handle does not hold a descriptor (value {value}).", paramName);
        }

        return (int)value;
    }
}
