using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// The kqueue calls, one call group per file. They are bound to one logical library name that a resolver
/// registered for this assembly only maps to the C library on macOS and the BSDs, and to the platform's
/// <see cref="KqueuePlatform.Library"/> (libkqueue on Linux) where it names one.
/// </summary>
internal static partial class Interop
{
    /// <summary>The logical name every import uses; never a file on disk.</summary>
    internal const string Library = "eporex-kqueue";

    /// <summary>The soname libkqueue installs on Linux (Debian/Ubuntu package libkqueue0).</summary>
    internal const string LibKqueueSoname = "libkqueue.so.0";

    private static int s_registered;

    /// <summary>Registers the resolver once; safe to call from every static constructor that needs it.</summary>
    internal static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(Interop).Assembly, Resolve);
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        if (KqueuePlatform.Current?.Library is { } library)
        {
            return NativeLibrary.TryLoad(library, out var kqueue) ? kqueue : IntPtr.Zero;
        }

        // "libc" is mapped by the runtime to this OS's C library; every process also has it loaded, so
        // the main program's global symbol scope is the fallback.
        return NativeLibrary.TryLoad("libc", assembly, searchPath, out var libc) ? libc : NativeLibrary.GetMainProgramHandle();
    }
}
