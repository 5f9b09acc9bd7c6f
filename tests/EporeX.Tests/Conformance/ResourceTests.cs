using System;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

[Collection(SerialCollection.Name)]
public sealed class ResourceTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_thousand_Poll_and_Waker_cycles_leak_no_descriptor(string backend)
    {
        Backends.Open(backend).Dispose(); // skip early where unsupported
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        Cycle(backend, endpoint); // warm-up: lazy runtime descriptors open now, not during the count
        var before = DescriptorTable.Baseline();

        for (var i = 0; i < 1000; i++)
        {
            Cycle(backend, endpoint);
        }

        DescriptorTable.AssertNoGrowth(before, () =>
        {
            for (var i = 0; i < 1000; i++)
            {
                Cycle(backend, endpoint);
            }
        });
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Wait_Reregister_and_Wake_allocate_nothing_once_warm(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        using var waker = new Waker(poll.Registry, new Token(2));
        var events = new Events(16);
        endpoint.Register(poll.Registry, new Token(1), Interest.Readable);
        endpoint.PeerWrite(); // stays readable: every wait delivers an event

        void Round()
        {
            Assert.True(poll.Wait(events, TimeSpan.FromSeconds(1)) >= 1);
            endpoint.Reregister(poll.Registry, new Token(1), Interest.Readable | Interest.Writable);
            endpoint.Reregister(poll.Registry, new Token(1), Interest.Readable);
            waker.Wake();
            var readable = 0;
            foreach (var e in events)
            {
                readable += e.IsReadable ? 1 : 0;
            }

            Assert.True(readable >= 1);
        }

        Allocations.AssertNone(Round);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Register_and_Deregister_of_a_seen_descriptor_allocate_nothing(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        Allocations.AssertNone(() =>
        {
            endpoint.Register(poll.Registry, new Token(1), Interest.Readable);
            endpoint.Deregister(poll.Registry);
        });
    }

    private static void Cycle(string backend, Endpoint endpoint)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, new Token(9));
        endpoint.Register(poll.Registry, new Token(1), Interest.Readable);
        waker.Wake();
        poll.Wait(new Events(4), TimeSpan.Zero);
    }
}
