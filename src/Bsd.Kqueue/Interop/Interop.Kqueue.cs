using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Bsd.Kqueue;

internal static partial class Interop
{
    /// <summary>kqueue(2) and kevent(2). Every <c>struct kevent</c> pointer is laid out as <see cref="KeventLayout"/> says.</summary>
    internal static unsafe partial class Kqueue
    {
        static Kqueue() => EnsureResolver();

        [LibraryImport(Library, EntryPoint = "kqueue", SetLastError = true)]
        internal static partial int Create();

        /// <summary>kevent with int counts: macOS, FreeBSD, OpenBSD, libkqueue.</summary>
        [LibraryImport(Library, EntryPoint = "kevent", SetLastError = true)]
        private static partial int KeventInt(int kq, void* changes, int nchanges, void* events, int nevents, Timespec* timeout);

        /// <summary>NetBSD's kevent since 5.0: the header renames kevent to __kevent50, whose counts are size_t.</summary>
        [LibraryImport(Library, EntryPoint = "__kevent50", SetLastError = true)]
        private static partial int KeventSizeT(int kq, void* changes, nuint nchanges, void* events, nuint nevents, Timespec* timeout);

        /// <summary>One kevent call through the entry point of <paramref name="platform"/>; -1 with errno set on failure.</summary>
        internal static int Kevent(KqueuePlatform platform, int kq, void* changes, int nchanges, void* events, int nevents, Timespec* timeout) =>
            platform.SizeTCounts
                ? KeventSizeT(kq, changes, (nuint)nchanges, events, (nuint)nevents, timeout)
                : KeventInt(kq, changes, nchanges, events, nevents, timeout);
    }
}
