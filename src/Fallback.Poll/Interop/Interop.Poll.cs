using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Fallback;

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
        internal static readonly short RdHup = RdHupFor(UnixFamily.IsLinux, UnixFamily.IsFreeBSD);

        /// <summary>The read-hang-up bit for an OS: pure, so that every case is testable anywhere.</summary>
        internal static short RdHupFor(bool linux, bool freeBsd) => linux ? POLLRDHUP : freeBsd ? FreeBsdPollRdHup : (short)0;

        /// <summary>
        /// The read-hang-up bit to ask for on <paramref name="fd"/>. FreeBSD's vop_stdpoll and vop_nopoll
        /// (sys/kern/vfs_default.c) treat any bit outside POLLSTANDARD, POLLRDHUP included, as a special
        /// request: a regular file then never becomes ready (vn_pollrecord) or reports POLLNVAL. Only
        /// sopoll knows POLLRDHUP there, so it is asked for on sockets only; Linux ignores it elsewhere.
        /// </summary>
        internal static short RdHupOn(int fd) => RdHup != 0 && UnixFamily.IsFreeBSD && !IsSocket(fd) ? (short)0 : RdHup;

        /// <summary>getsockopt(SO_TYPE) succeeds on a socket only (ENOTSOCK otherwise). The values are FreeBSD's (sys/sys/socket.h).</summary>
        private static bool IsSocket(int fd)
        {
            const int SolSocket = 0xffff;
            const int SoType = 0x1008;
            int type;
            var length = (uint)sizeof(int);
            return GetSockOpt(fd, SolSocket, SoType, &type, &length) == 0;
        }

        [LibraryImport(Libc.Library, EntryPoint = "getsockopt", SetLastError = true)]
        private static partial int GetSockOpt(int fd, int level, int name, int* value, uint* length);

        /// <summary>
        /// The interests poll(2) can watch on this OS: Priority only where POLLPRI reports TCP out-of-band
        /// data. Not on Apple's kernels: XNU's poll() (bsd/kern/sys_generic.c) registers an EVFILT_READ
        /// knote with fflags 0, so filt_soread_common (bsd/kern/uipc_socket.c) never tests the out-of-band
        /// mark (that needs NOTE_OOB) and an urgent byte, pulled out of the stream, never wakes poll().
        /// </summary>
        internal static readonly Interest Interests = InterestsFor(UnixFamily.IsApple);

        /// <summary>The interests for an OS whose kernel is or is not XNU: pure, so that both cases are testable anywhere.</summary>
        internal static Interest InterestsFor(bool xnu) =>
            xnu ? Interest.Readable | Interest.Writable : Interest.Readable | Interest.Writable | Interest.Priority;

        /// <summary>nfds_t is <c>unsigned long</c> in glibc and musl but <c>unsigned int</c> on macOS and the BSDs.</summary>
        private static readonly bool LongCount = UnixFamily.IsLinux;

        /// <summary>Calls poll(2) with the count type this OS declares; returns the ready count, or -1 with errno set.</summary>
        internal static int Call(PollFd* fds, int count, int timeoutMs) =>
            LongCount ? PollLong(fds, (nuint)count, timeoutMs) : PollInt(fds, (uint)count, timeoutMs);

        [LibraryImport(Libc.Library, EntryPoint = "poll", SetLastError = true)]
        private static partial int PollLong(PollFd* fds, nuint count, int timeoutMs);

        [LibraryImport(Libc.Library, EntryPoint = "poll", SetLastError = true)]
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
