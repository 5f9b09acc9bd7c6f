using System.Runtime.InteropServices;
using EporeX.Linux.Epoll;

namespace EporeX.Tests.Epoll;

/// <summary><c>struct epoll_event</c> is packed on x86 and x86-64 only (uapi/linux/eventpoll.h, EPOLL_PACKED).</summary>
public sealed class EpollLayoutTests
{
    [Theory]
    [InlineData(Architecture.X64, 12, 4)]
    [InlineData(Architecture.X86, 12, 4)]
    [InlineData(Architecture.Arm64, 16, 8)]
    [InlineData(Architecture.Arm, 16, 8)]
    [InlineData(Architecture.RiscV64, 16, 8)]
    [InlineData(Architecture.LoongArch64, 16, 8)]
    [InlineData(Architecture.S390x, 16, 8)]
    [InlineData(Architecture.Ppc64le, 16, 8)]
    public void The_layout_matches_the_architecture(Architecture architecture, int size, int dataOffset)
    {
        var layout = EpollEventLayout.For(architecture);
        Assert.Equal(size, layout.Size);
        Assert.Equal(dataOffset, layout.DataOffset);
    }

    [Fact]
    public void The_current_layout_is_this_process_architecture()
    {
        var expected = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;
        Assert.Equal(expected, EpollEventLayout.Current.Size);
    }
}
