using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, void* buffer, nuint count);

    /// <summary>Reads and discards everything a non-blocking descriptor holds (a drained wake pipe).</summary>
    internal static unsafe void Drain(int fd)
    {
        byte* buffer = stackalloc byte[128];
        while (true)
        {
            var n = Read(fd, buffer, 128);
            if (n > 0)
            {
                continue;
            }

            if (n < 0 && Errno.Last == Errno.EINTR)
            {
                continue;
            }

            return;
        }
    }
}
