using System;
using System.Runtime.InteropServices;

namespace EporeX;

/// <summary>The descriptor number a handle holds, checked once for every registration path.</summary>
internal static class Descriptors
{
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    /// <exception cref="ArgumentException">The handle holds no descriptor.</exception>
    public static int Of(SafeHandle handle)
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        var value = handle.DangerousGetHandle().ToInt64();
        if (handle.IsInvalid || value < 0 || value > int.MaxValue)
        {
            throw new ArgumentException($"The handle does not hold a descriptor (value {value}).", nameof(handle));
        }

        return (int)value;
    }
}
