using System;
using System.Runtime.InteropServices;

namespace EporeX.Fallback.Poll;

internal static partial class Interop
{
    /// <summary>
    /// poll(2). The flag values below are the same on Linux, macOS and the BSDs; POLLRDHUP is an
    /// extension whose bit differs (Linux 0x2000, FreeBSD 0x4000; macOS has none), so it is used only
    /// where <see cref="RdHup"/> says so.
    /// </summary>
    internal static unsafe partial class Poll
    {
        internal const short POLLIN = 0x1;
        internal const short POLLPRI = 0x2;
        internal const short POLLOUT = 0x4;
        internal const short POLLERR = 0x8;
        internal const short POLLHUP = 0x10;
        internal const short POLLNVAL = 0x20;
        internal const short POLLRDHUP = 0x2000;

        /// <summary>FreeBSD's POLLRDHUP ("half shut down", sys/sys/poll.h, FreeBSD 13 and later): another bit than Linux's.</summary>
        internal const short FreeBsdPollRdHup = 0x4000;

        /// <summary>
        /// The read-hang-up bit of this OS: POLLRDHUP on Linux and FreeBSD (where sopoll reports a peer's
        /// shutdown with it and POLLHUP only once both directions are shut), 0 elsewhere. Chosen at run
        /// time, not at build time.
        /// </summary>
        internal static readonly short RdHup = RdHupFor(OperatingSystem.IsLinux(), OperatingSystem.IsFreeBSD());

        /// <summary>The read-hang-up bit for an OS: pure, so that every case is testable anywhere.</summary>
        internal static short RdHupFor(bool linux, bool freeBsd) => linux ? POLLRDHUP : freeBsd ? FreeBsdPollRdHup : (short)0;

        /// <summary>nfds_t is <c>unsigned long</c> in glibc and musl but <c>unsigned int</c> on macOS and the BSDs.</summary>
        private static readonly bool LongCount = OperatingSystem.IsLinux() || OperatingSystem.IsAndroid();

        /// <summary>Calls poll(2) with the count type this OS declares; returns the ready count, or -1 with errno set.</summary>
        internal static int Call(PollFd* fds, int count, int timeoutMs) =>
            LongCount ? PollLong(fds, (nuint)count, timeoutMs) : PollInt(fds, (uint)count, timeoutMs);

        [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
        private static partial int PollLong(PollFd* fds, nuint count, int timeoutMs);

        [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
        private static partial int PollInt(PollFd* fds, uint count, int timeoutMs);
    }

    /// <summary><c>struct pollfd { int fd; short events; short revents; }</c>: 8 bytes on every Unix.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        /// <summary>The descriptor; a negative one is skipped by the kernel (revents stays 0).</summary>
        public int Fd;

        public short Events;

        public short Revents;
    }
}
