using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Linux.Epoll;

internal static partial class Interop
{
    /// <summary>epoll(7). Values from the kernel's uapi/linux/eventpoll.h (the same on every architecture .NET runs on).</summary>
    internal static unsafe partial class Epoll
    {
        internal const int EPOLL_CLOEXEC = 0x80000;

        internal const int EPOLL_CTL_ADD = 1;
        internal const int EPOLL_CTL_DEL = 2;
        internal const int EPOLL_CTL_MOD = 3;

        internal const uint EPOLLIN = 0x001;
        internal const uint EPOLLPRI = 0x002;
        internal const uint EPOLLOUT = 0x004;
        internal const uint EPOLLERR = 0x008;
        internal const uint EPOLLHUP = 0x010;
        internal const uint EPOLLRDHUP = 0x2000;
        internal const uint EPOLLONESHOT = 1u << 30;
        internal const uint EPOLLET = 1u << 31;

        [LibraryImport(Libc.Library, EntryPoint = "epoll_create1", SetLastError = true)]
        internal static partial int Create1(int flags);

        // ev: a struct epoll_event laid out as EpollEventLayout.Current says. No GC transition:
        // epoll_ctl never sleeps (it takes the epoll instance's mutex for the length of the change).
        [LibraryImport(Libc.Library, EntryPoint = "epoll_ctl", SetLastError = true)]
        [SuppressGCTransition]
        internal static partial int Ctl(int epfd, int op, int fd, void* ev);

        [LibraryImport(Libc.Library, EntryPoint = "epoll_wait", SetLastError = true)]
        internal static partial int Wait(int epfd, void* events, int maxEvents, int timeoutMs);

        /// <summary>
        /// epoll_wait for a timeout of 0 only, which never sleeps: without the GC transition, and without
        /// SetLastError (nothing runs between the call and the caller's read of errno).
        /// </summary>
        [LibraryImport(Libc.Library, EntryPoint = "epoll_wait")]
        [SuppressGCTransition]
        internal static partial int WaitNoBlock(int epfd, void* events, int maxEvents, int timeoutMs);

        /// <summary>epoll_pwait2 (Linux 5.11, glibc 2.35): a timespec timeout, so sub-millisecond waits are honoured.</summary>
        [LibraryImport(Libc.Library, EntryPoint = "epoll_pwait2", SetLastError = true)]
        internal static partial int PWait2(int epfd, void* events, int maxEvents, Timespec* timeout, void* sigmask);
    }
}
