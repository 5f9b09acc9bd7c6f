using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Linux.Epoll;

internal static partial class Interop
{
    /// <summary>eventfd(2): the waker and the interrupt of the epoll backend.</summary>
    internal static partial class EventFd
    {
        internal const int EFD_CLOEXEC = 0x80000;
        internal const int EFD_NONBLOCK = 0x800;

        [LibraryImport(Libc.Library, EntryPoint = "eventfd", SetLastError = true)]
        internal static partial int Create(uint initialValue, int flags);
    }
}
