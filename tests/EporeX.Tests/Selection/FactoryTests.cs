using System;
using System.Linq;
using EporeX.Linux.Epoll;
using EporeX.Tests.Support;

namespace EporeX.Tests.Selection;

public sealed class FactoryTests
{
    [Fact]
    public void Auto_takes_the_supported_backend_with_the_highest_priority()
    {
        var high = new FakeProvider("high", 500, supported: false);
        var middle = new FakeProvider("middle", 300, supported: true, () => new EpollProvider().Create());
        var low = new FakeProvider("low", 100, supported: true);

        var factory = new EventQueueFactory([low, high, middle], new EventQueueOptions { Backend = "auto" });

        Assert.Equal("middle", factory.Backend);
        Assert.Equal("middle", factory.Report.Chosen);
        Assert.Equal(["high", "middle", "low"], factory.Report.Backends.Select(b => b.Name));
        Assert.False(factory.Report.Backends[0].IsSupported);
        Assert.Contains("failed on purpose", factory.Report.Backends[0].Detail);
        Assert.True(factory.Report.Backends[1].IsChosen);
        using var poll = factory.CreatePoll();
        Assert.Equal(1, middle.Created);
    }

    [Fact]
    public void A_named_backend_wins_over_priority()
    {
        var factory = new EventQueueFactory(
            [new FakeProvider("a", 500, true), new FakeProvider("b", 1, true)],
            new EventQueueOptions { Backend = "B" });

        Assert.Equal("b", factory.Backend);
        Assert.Equal("EventQueueOptions.Backend", factory.Report.Source);
    }

    [Fact]
    public void An_unknown_backend_fails_at_once_listing_every_backend()
    {
        var e = Assert.Throws<EventQueueUnavailableException>(() => new EventQueueFactory(
            [new FakeProvider("a", 2, true), new FakeProvider("b", 1, false)],
            new EventQueueOptions { Backend = "iouring" }));

        Assert.Contains("'iouring'", e.Message);
        Assert.Contains("not known", e.Message);
        Assert.Contains("a (priority 2): supported", e.Message);
        Assert.Contains("b (priority 1): unavailable: b probe failed on purpose", e.Message);
        Assert.Null(e.Report.Chosen);
        Assert.Equal(2, e.Report.Backends.Count);
    }

    [Fact]
    public void An_unsupported_backend_fails_at_once_with_its_reason()
    {
        var e = Assert.Throws<EventQueueUnavailableException>(() => new EventQueueFactory(
            [new FakeProvider("a", 2, true), new FakeProvider("b", 1, false)],
            new EventQueueOptions { Backend = "b" }));

        Assert.Contains("cannot run on this machine: b probe failed on purpose", e.Message);
        Assert.Contains("a (priority 2): supported", e.Message);
    }

    [Fact]
    public void No_supported_backend_fails_with_the_report()
    {
        var e = Assert.Throws<EventQueueUnavailableException>(() => new EventQueueFactory(
            [new FakeProvider("a", 2, false)], new EventQueueOptions()));

        Assert.Contains("No event queue backend can run", e.Message);
        Assert.Contains("a probe failed on purpose", e.Message);
    }

    [Fact]
    public void The_real_providers_probe_this_machine()
    {
        var factory = EventQueue.CreateFactory(new EventQueueOptions { Backend = "auto" });
        Assert.All(factory.Report.Backends, b => Assert.False(string.IsNullOrWhiteSpace(b.Detail)));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal("epoll", factory.Backend);
        }

        using var poll = factory.CreatePoll();
        Assert.Equal(factory.Backend, poll.Backend);
        Assert.Contains($"EporeX backend: {factory.Backend}", factory.Report.ToString());
    }

    [Fact]
    public void The_one_line_entry_point_returns_a_working_poll()
    {
        using var poll = EventQueue.CreatePoll("auto");
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.Register(poll.Registry, new Token(1), Interest.Readable);
        endpoint.PeerWrite();
        Assert.True(poll.WaitFor(new Token(1)).IsReadable);
    }
}

[Collection(SerialCollection.Name)]
public sealed class EnvironmentSelectionTests
{
    [Fact]
    public void EPOREX_BACKEND_chooses_when_the_options_do_not()
    {
        var previous = Environment.GetEnvironmentVariable(EventQueueOptions.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(EventQueueOptions.EnvironmentVariable, "b");
            var providers = new IEventQueueProvider[] { new FakeProvider("a", 2, true), new FakeProvider("b", 1, true) };

            var fromEnvironment = new EventQueueFactory(providers);
            Assert.Equal("b", fromEnvironment.Backend);
            Assert.Equal("EPOREX_BACKEND", fromEnvironment.Report.Source);

            var fromOptions = new EventQueueFactory(providers, new EventQueueOptions { Backend = "a" });
            Assert.Equal("a", fromOptions.Backend);

            Environment.SetEnvironmentVariable(EventQueueOptions.EnvironmentVariable, "nope");
            var e = Assert.Throws<EventQueueUnavailableException>(() => new EventQueueFactory(providers));
            Assert.Contains("from EPOREX_BACKEND", e.Message);

            Environment.SetEnvironmentVariable(EventQueueOptions.EnvironmentVariable, "AUTO");
            Assert.Equal("a", new EventQueueFactory(providers).Backend);
        }
        finally
        {
            Environment.SetEnvironmentVariable(EventQueueOptions.EnvironmentVariable, previous);
        }
    }
}
