using EporeX.Fallback;
using static EporeX.Fallback.Interop.Poll;

namespace EporeX.Tests.PollBackend;

public sealed class PollFlagsTests
{
    private const short Linux = POLLRDHUP;
    private const short Bsd = 0;

    [Theory]
    [InlineData(Interest.Readable, Linux, POLLIN | POLLRDHUP)]
    [InlineData(Interest.Readable, Bsd, POLLIN)]
    [InlineData(Interest.Writable, Linux, POLLOUT)]
    [InlineData(Interest.Priority, Linux, POLLPRI | POLLRDHUP)]
    [InlineData(Interest.Readable | Interest.Writable, Linux, POLLIN | POLLRDHUP | POLLOUT)]
    [InlineData(Interest.Readable | Interest.Writable | Interest.Priority, Bsd, POLLIN | POLLOUT | POLLPRI)]
    public void Interest_becomes_poll_events(Interest interest, short rdHup, int expected) =>
        Assert.Equal((short)expected, PollFlags.ToPoll(interest, rdHup));

    [Theory]
    [InlineData(POLLIN, Readiness.Readable)]
    [InlineData(POLLPRI, Readiness.Readable | Readiness.Priority)]
    [InlineData(POLLOUT, Readiness.Writable)]
    [InlineData(POLLIN | POLLRDHUP, Readiness.Readable | Readiness.ReadClosed)]
    [InlineData(POLLRDHUP, Readiness.ReadClosed)] // asked for with POLLPRI alone: the peer shut down
    [InlineData(POLLHUP, Readiness.ReadClosed | Readiness.WriteClosed)]
    [InlineData(POLLIN | POLLHUP, Readiness.Readable | Readiness.ReadClosed | Readiness.WriteClosed)]
    [InlineData(POLLERR, Readiness.Error | Readiness.WriteClosed)]
    [InlineData(POLLOUT | POLLERR, Readiness.Writable | Readiness.Error | Readiness.WriteClosed)]
    [InlineData(POLLIN | POLLERR, Readiness.Readable | Readiness.Error)]
    [InlineData(POLLIN | POLLOUT | POLLERR | POLLHUP, Readiness.Readable | Readiness.Writable | Readiness.Error | Readiness.ReadClosed | Readiness.WriteClosed)]
    public void Revents_become_readiness_with_mios_meanings(int revents, Readiness expected) =>
        Assert.Equal(expected, PollFlags.ToReadiness(revents, Linux));

    [Fact]
    public void Without_POLLRDHUP_the_bit_means_nothing() =>
        Assert.Equal(Readiness.Readable, PollFlags.ToReadiness(POLLIN | POLLRDHUP, Bsd));

    [Theory]
    [InlineData(Interest.Readable)]
    [InlineData(Interest.Writable)]
    [InlineData(Interest.Priority)]
    [InlineData(Interest.Readable | Interest.Writable | Interest.Priority)]
    public void The_events_asked_for_read_back_as_that_interest(Interest interest)
    {
        var readiness = PollFlags.ToReadiness(PollFlags.ToPoll(interest, Linux) & ~POLLRDHUP, Linux);
        Assert.Equal((interest & (Interest.Readable | Interest.Priority)) != 0, (readiness & Readiness.Readable) != 0);
        Assert.Equal((interest & Interest.Writable) != 0, (readiness & Readiness.Writable) != 0);
        Assert.Equal((interest & Interest.Priority) != 0, (readiness & Readiness.Priority) != 0);
    }
}
