using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    // close() is never retried on EINTR: on Linux the descriptor is already released by then, and a
    // retry could close a number another thread has just been given.
    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
