using System;
using System.Runtime.InteropServices;
using EporeX.Bsd.Kqueue;
using EporeX.Unix;

namespace EporeX.Tests.Unix;

/// <summary>
/// The per-OS facts, one row per <see cref="UnixFamily"/>, checked for every family on any OS: Android is
/// Linux's kernel (its errno and signal numbers are Linux's), and Apple's systems are one family for every
/// table, kqueue's included.
/// </summary>
public sealed class UnixFamilyTests
{
    public static TheoryData<string, bool> Families() => new()
    {
        { UnixFamily.Linux, true },
        { UnixFamily.Android, true },
        { UnixFamily.Apple, false },
        { UnixFamily.FreeBSD, false },
        { UnixFamily.OpenBSD, false },
        { UnixFamily.NetBSD, false },
        { UnixFamily.DragonFly, false },
    };

    [SkippableFact]
    public void This_process_is_of_the_Linux_family_on_Linux()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a Linux-only fact");
        Assert.Equal(UnixFamily.Linux, UnixFamily.Current);
        Assert.True(UnixFamily.IsLinux);
        Assert.False(UnixFamily.IsApple || UnixFamily.IsFreeBSD);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Errno_numbers_that_differ_are_the_kernels(string family, bool linuxKernel)
    {
        Assert.Equal(linuxKernel, UnixFamily.HasLinuxKernel(family));
        Assert.Equal(linuxKernel ? 11 : 35, Errno.For(family, 11, 35)); // EAGAIN
        Assert.Equal(linuxKernel ? 38 : 78, Errno.For(family, 38, 78)); // ENOSYS
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Signal_numbers_are_the_kernels(string family, bool linuxKernel)
    {
        var numbers = SignalRules.SignalNumbers.For(family);
        Assert.Equal(linuxKernel ? 7 : 10, numbers.Bus);
        Assert.Equal(linuxKernel ? 19 : 17, numbers.Stop);
        Assert.Equal(linuxKernel ? 64 : 31, numbers.Max);

        // 10 is SIGUSR1 on Linux's kernel, SIGBUS (the runtime's) on the BSD family; 33 exists only on Linux's.
        if (linuxKernel)
        {
            SignalRules.Validate((PosixSignal)10, numbers);
            Assert.Throws<UnsupportedSignalException>(() => SignalRules.Validate((PosixSignal)33, numbers));
            Assert.Equal((PosixSignal)64, SignalRules.FromNumber(64, numbers));
        }
        else
        {
            Assert.Throws<UnsupportedSignalException>(() => SignalRules.Validate((PosixSignal)10, numbers));
            Assert.Throws<UnsupportedSignalException>(() => SignalRules.FromNumber(33, numbers));
        }

        Assert.Throws<UnsupportedSignalException>(() => SignalRules.Validate((PosixSignal)numbers.Stop, numbers));
    }

    [Theory]
    [InlineData(UnixFamily.Linux, "Linux (libkqueue)")]
    [InlineData(UnixFamily.Apple, "macOS")] // iOS, tvOS, watchOS and Mac Catalyst run xnu's kqueue too
    [InlineData(UnixFamily.FreeBSD, "FreeBSD")]
    [InlineData(UnixFamily.OpenBSD, "OpenBSD")]
    [InlineData(UnixFamily.NetBSD, "NetBSD")]
    [InlineData(UnixFamily.Android, null)]
    [InlineData(UnixFamily.DragonFly, null)]
    public void Each_family_has_its_kqueue_platform(string family, string? platform) =>
        Assert.Equal(platform, KqueuePlatform.For(family)?.Name);
}
