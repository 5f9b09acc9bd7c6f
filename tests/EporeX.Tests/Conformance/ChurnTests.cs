using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>
/// Registrations changing on one thread while another waits in a loop: a wait that starts after a
/// Reregister or a Deregister has returned never reports the token it replaced or removed.
/// </summary>
public sealed class ChurnTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_wait_never_reports_a_token_retired_before_it_started(string backend)
    {
        const int rounds = 1500;
        using var poll = Backends.Open(backend);
        var endpoints = Enumerable.Range(0, 4).Select(_ => Endpoint.Create(Endpoint.SocketPair)).ToArray();
        var violations = new ConcurrentQueue<string>();
        long retired = -1; // every token up to this one is replaced or deregistered
        var reported = 0;
        var stop = false;
        try
        {
            foreach (var endpoint in endpoints)
            {
                endpoint.PeerWrite(); // never drained: readable whenever registered
            }

            var waiter = new Thread(() =>
            {
                var events = new Events(16);
                while (!Volatile.Read(ref stop))
                {
                    var floor = Volatile.Read(ref retired);
                    poll.Wait(events, TimeSpan.FromMilliseconds(20));
                    foreach (var e in events)
                    {
                        Interlocked.Increment(ref reported);
                        if ((long)e.Token.Value <= floor)
                        {
                            violations.Enqueue($"token {e.Token} after {floor} was retired");
                        }
                    }
                }
            })
            { IsBackground = true, Name = "churn waiter" };
            waiter.Start();

            Waiting.Bounded(TimeSpan.FromSeconds(20), () =>
            {
                for (var i = 0; i < rounds; i++)
                {
                    var endpoint = endpoints[i % endpoints.Length];
                    var first = (ulong)(2 * i);
                    endpoint.Register(poll.Registry, new Token(first), Interest.Readable);
                    endpoint.Reregister(poll.Registry, new Token(first + 1), Interest.Readable);
                    Volatile.Write(ref retired, (long)first);
                    if (i % 3 == 0)
                    {
                        Thread.Yield(); // let the waiter see some registrations
                    }

                    if (i % 100 == 0)
                    {
                        // Now and then hold the registration until the waiter has reported it, so that the
                        // run always checks reported tokens (on a busy core the churn can outrun every wait).
                        var seen = Volatile.Read(ref reported);
                        SpinWait.SpinUntil(() => Volatile.Read(ref reported) > seen, TimeSpan.FromSeconds(2));
                    }

                    endpoint.Deregister(poll.Registry);
                    Volatile.Write(ref retired, (long)first + 1);
                }
            }, "registration churn");

            Volatile.Write(ref stop, true);
            Assert.True(waiter.Join(TimeSpan.FromSeconds(5)), "the waiter did not stop");
            Assert.Empty(violations);
            Assert.Equal(0, poll.Registry.Count);
            Assert.True(reported > 0, "the waiter never saw a registration: the test proved nothing");
        }
        finally
        {
            Volatile.Write(ref stop, true);
            foreach (var endpoint in endpoints)
            {
                endpoint.Dispose();
            }
        }
    }
}
