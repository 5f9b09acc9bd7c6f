using System.Collections.Generic;
using System.Linq;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

public sealed class FairnessTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void With_more_ready_than_the_buffer_holds_the_next_waits_deliver_the_rest(string backend)
    {
        const int capacity = 4;
        const int ready = capacity * 3;
        using var poll = Backends.Open(backend);
        var endpoints = Enumerable.Range(0, ready).Select(_ => Endpoint.Create(Endpoint.SocketPair)).ToList();
        try
        {
            for (var i = 0; i < ready; i++)
            {
                endpoints[i].Register(poll.Registry, new Token((ulong)i), Interest.Readable);
                endpoints[i].PeerWrite(); // never drained: level-triggered, they stay ready
            }

            var events = new Events(capacity);
            var seen = new HashSet<ulong>();
            for (var round = 0; round < 3; round++)
            {
                Assert.Equal(capacity, poll.Wait(events, Waiting.Arrives));
                foreach (var e in events)
                {
                    Assert.True(e.IsReadable);
                    Assert.InRange(e.Token.Value, 0UL, (ulong)(ready - 1));
                    seen.Add(e.Token.Value);
                }
            }

            Assert.Equal(ready, seen.Count);
        }
        finally
        {
            endpoints.ForEach(e => e.Dispose());
        }
    }
}
