using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EporeX.Fallback;
using static EporeX.Fallback.Interop.Poll;

namespace EporeX.Tests.PollBackend;

/// <summary><c>struct pollfd { int fd; short events; short revents; }</c> and the flag values every Unix shares.</summary>
public sealed class PollLayoutTests
{
    [Fact]
    public void A_pollfd_is_eight_bytes_with_fd_events_revents_in_order()
    {
        Assert.Equal(8, Unsafe.SizeOf<Interop.PollFd>());
        Assert.Equal(8, Marshal.SizeOf<Interop.PollFd>());
        Assert.Equal(0, (int)Marshal.OffsetOf<Interop.PollFd>(nameof(Interop.PollFd.Fd)));
        Assert.Equal(4, (int)Marshal.OffsetOf<Interop.PollFd>(nameof(Interop.PollFd.Events)));
        Assert.Equal(6, (int)Marshal.OffsetOf<Interop.PollFd>(nameof(Interop.PollFd.Revents)));
    }

    [Fact]
    public void The_flags_have_their_posix_values()
    {
        Assert.Equal(0x1, POLLIN);
        Assert.Equal(0x2, POLLPRI);
        Assert.Equal(0x4, POLLOUT);
        Assert.Equal(0x8, POLLERR);
        Assert.Equal(0x10, POLLHUP);
        Assert.Equal(0x20, POLLNVAL);
        Assert.Equal(0x2000, POLLRDHUP);
    }

    [Fact]
    public void POLLRDHUP_is_used_on_Linux_and_FreeBSD_only()
    {
        Assert.Equal(POLLRDHUP, RdHupFor(linux: true, freeBsd: false));
        Assert.Equal((short)0x4000, RdHupFor(linux: false, freeBsd: true)); // freebsd-src sys/sys/poll.h
        Assert.Equal((short)0, RdHupFor(linux: false, freeBsd: false));
        Assert.Equal(RdHupFor(System.OperatingSystem.IsLinux(), System.OperatingSystem.IsFreeBSD()), RdHup);
    }

    [Fact]
    public void Priority_is_offered_except_on_XNU()
    {
        // xnu bsd/kern/sys_generic.c poll_nocancel registers EVFILT_READ with fflags 0, so no NOTE_OOB
        Assert.Equal(Interest.Readable | Interest.Writable, InterestsFor(xnu: true));
        Assert.Equal(Interest.Readable | Interest.Writable | Interest.Priority, InterestsFor(xnu: false));
        Assert.Equal(InterestsFor(System.OperatingSystem.IsMacOS()), Interests);
    }
}
