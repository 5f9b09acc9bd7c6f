using EporeX.Linux.Epoll;
using static EporeX.Linux.Epoll.Interop.Epoll;

namespace EporeX.Tests.Epoll;

public sealed class EpollFlagsTests
{
    [Theory]
    [InlineData(Interest.Readable, PollMode.Level, EPOLLIN | EPOLLRDHUP)]
    [InlineData(Interest.Writable, PollMode.Level, EPOLLOUT)]
    [InlineData(Interest.Priority, PollMode.Level, EPOLLPRI)]
    [InlineData(Interest.Readable | Interest.Writable, PollMode.Edge, EPOLLIN | EPOLLRDHUP | EPOLLOUT | EPOLLET)]
    [InlineData(Interest.Readable, PollMode.Oneshot, EPOLLIN | EPOLLRDHUP | EPOLLONESHOT)]
    [InlineData(Interest.Writable, PollMode.EdgeOneshot, EPOLLOUT | EPOLLET | EPOLLONESHOT)]
    public void Interest_and_mode_become_epoll_flags(Interest interest, PollMode mode, uint expected) =>
        Assert.Equal(expected, EpollFlags.ToEpoll(interest, mode));

    [Theory]
    [InlineData(EPOLLIN, Readiness.Readable)]
    [InlineData(EPOLLPRI, Readiness.Readable | Readiness.Priority)]
    [InlineData(EPOLLOUT, Readiness.Writable)]
    [InlineData(EPOLLIN | EPOLLRDHUP, Readiness.Readable | Readiness.ReadClosed)]
    [InlineData(EPOLLRDHUP, Readiness.None)]
    [InlineData(EPOLLHUP, Readiness.ReadClosed | Readiness.WriteClosed)]
    [InlineData(EPOLLERR, Readiness.Error | Readiness.WriteClosed)]
    [InlineData(EPOLLOUT | EPOLLERR, Readiness.Writable | Readiness.Error | Readiness.WriteClosed)]
    [InlineData(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP, Readiness.Readable | Readiness.Writable | Readiness.Error | Readiness.ReadClosed | Readiness.WriteClosed)]
    public void Epoll_flags_become_readiness_with_mios_meanings(uint events, Readiness expected) =>
        Assert.Equal(expected, EpollFlags.ToReadiness(events));

    [Fact]
    public void The_lookup_table_agrees_with_the_translation_for_every_flag_combination()
    {
        uint[] flags = [EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP];
        for (var combination = 0; combination < 1 << flags.Length; combination++)
        {
            uint events = 0;
            for (var bit = 0; bit < flags.Length; bit++)
            {
                if ((combination & (1 << bit)) != 0)
                {
                    events |= flags[bit];
                }
            }

            Assert.Equal(EpollFlags.ToReadiness(events), EpollFlags.Lookup(events));
        }
    }
}
