using System;
using EporeX.Bsd.Kqueue;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Tests.Kqueue;

/// <summary>Filter and flag constants per OS, as read in the headers named in <see cref="KeventLayoutTests"/>.</summary>
public sealed class KqueueConstantsTests
{
    [Theory]
    [InlineData("macOS", -1, -2, -10)] // xnu: EVFILT_USER (-10)
    [InlineData("FreeBSD", -1, -2, -11)] // freebsd-src: EVFILT_LIO (-10), EVFILT_USER (-11)
    [InlineData("OpenBSD", -1, -2, -10)] // openbsd: EVFILT_EXCEPT (-9), EVFILT_USER (-10)
    [InlineData("NetBSD", 0, 1, 8)] // NetBSD: EVFILT_READ 0U, EVFILT_WRITE 1U, EVFILT_USER 8U
    [InlineData("Linux (libkqueue)", -1, -2, -11)] // libkqueue: EVFILT_USER (-11)
    public void Filters_match_the_header(string name, int read, int write, int user)
    {
        var platform = KqueuePlatforms.ByName(name);
        Assert.Equal(read, platform.ReadFilter);
        Assert.Equal(write, platform.WriteFilter);
        Assert.Equal(user, platform.UserFilter);
    }

    [Theory]
    [InlineData("macOS", false)]
    [InlineData("FreeBSD", false)]
    [InlineData("OpenBSD", false)]
    [InlineData("NetBSD", true)] // int kevent(...) __RENAME(__kevent50) with size_t counts
    [InlineData("Linux (libkqueue)", false)]
    public void Only_NetBSD_uses_kevent50_with_size_t_counts(string name, bool sizeT) =>
        Assert.Equal(sizeT, KqueuePlatforms.ByName(name).SizeTCounts);

    [Fact]
    public void Flags_are_the_values_every_header_shares()
    {
        Assert.Equal(0x0001u, EV_ADD);
        Assert.Equal(0x0002u, EV_DELETE);
        Assert.Equal(0x0004u, EV_ENABLE);
        Assert.Equal(0x0008u, EV_DISABLE);
        Assert.Equal(0x0010u, EV_ONESHOT);
        Assert.Equal(0x0020u, EV_CLEAR);
        Assert.Equal(0x0040u, EV_RECEIPT);
        Assert.Equal(0x4000u, EV_ERROR);
        Assert.Equal(0x8000u, EV_EOF);
        Assert.Equal(0x01000000u, NOTE_TRIGGER);
        Assert.Equal(0x0002u, NOTE_FILE_POLL); // freebsd-src
    }

    [Theory]
    [InlineData("macOS", 0u, 0u)] // xnu strips EV_POLL (in EV_SYSFLAGS) from every change
    [InlineData("FreeBSD", 0u, NOTE_FILE_POLL)]
    [InlineData("OpenBSD", 0u, 0u)]
    [InlineData("NetBSD", 0u, 0u)]
    [InlineData("Linux (libkqueue)", 0u, 0u)]
    public void Regular_files_get_poll_semantics_where_the_OS_offers_them(string name, uint flags, uint fflags)
    {
        var platform = KqueuePlatforms.ByName(name);
        Assert.Equal(flags, platform.ReadExtraFlags);
        Assert.Equal(fflags, platform.ReadExtraFflags);
    }

    [Theory]
    [InlineData("macOS", true)] // no poll(2) semantics reachable from user space
    [InlineData("FreeBSD", false)] // NOTE_FILE_POLL
    [InlineData("Linux (libkqueue)", true)] // reported only while short of the end, then never again (src/linux/read.c)
    public void Regular_files_are_refused_where_they_could_never_be_reported_ready(string name, bool refused)
    {
        Assert.Equal(refused, KqueuePlatforms.ByName(name).RefusesRegularFiles);
    }

    [Theory]
    [InlineData("macOS", -5, -7, 0x4u, false)] // xnu: EVFILT_PROC (-5), EVFILT_TIMER (-7), NOTE_NSECONDS (kevent64's unit flag)
    [InlineData("FreeBSD", -5, -7, 0x8u, false)] // NOTE_NSECONDS after NOTE_SECONDS, NOTE_MSECONDS, NOTE_USECONDS
    [InlineData("OpenBSD", -5, -7, null, false)] // timers in milliseconds
    [InlineData("NetBSD", 4, 6, 3u, false)] // unsigned filters; NOTE_NSECONDS is a unit number
    [InlineData("Linux (libkqueue)", -5, -7, 0x4u, true)] // its EVFILT_PROC cannot watch a child .NET reaps: a pidfd
    public void Source_filters_are_a_row_of_the_platform(string name, int proc, int timer, uint? nanoseconds, bool pidFd)
    {
        var filters = KqueuePlatforms.ByName(name).SourceFilters;
        Assert.Equal(new KqueueSourceFilters(proc, timer, nanoseconds, pidFd), filters);
    }

    [Theory]
    [InlineData("macOS", false)]
    [InlineData("FreeBSD", false)]
    [InlineData("OpenBSD", false)]
    [InlineData("NetBSD", false)]
    [InlineData("Linux (libkqueue)", true)]
    public void Only_libkqueue_has_the_workarounds_of_an_emulation(string name, bool libkqueue)
    {
        var platform = KqueuePlatforms.ByName(name);
        Assert.Equal(!libkqueue, platform.ShortReadDrains); // a BSD kernel's knote, not libkqueue's emulation of it
        Assert.Equal(libkqueue, platform.KeepsSurplus);
        Assert.Equal(libkqueue, platform.ConfirmsReadEof);
        Assert.Equal(libkqueue, platform.AddKeepsKnote);
        Assert.Equal(libkqueue, platform.KeepsKnotesOfClosedDescriptors);
        Assert.Equal(libkqueue ? "libkqueue.so.0" : null, platform.Library);
    }

    [SkippableFact]
    public void This_process_on_Linux_is_described_as_libkqueue()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.Is64BitProcess, "a Linux-only fact");
        Assert.Same(KqueuePlatform.LibKqueue, KqueuePlatform.Current);
    }
}
