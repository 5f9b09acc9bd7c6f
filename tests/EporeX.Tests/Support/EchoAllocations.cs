using System;
using System.Net.Sockets;

namespace EporeX.Tests.Support;

/// <summary>
/// Whether an echo server allocates per message in steady state, counted process-wide (its handler runs
/// on a loop thread or the pool), so a test that uses it runs alone (the serial collection). Over several
/// windows, one of which must be clean, because the runtime allocates now and then on its own (tiered
/// recompilation, a thread the pool injects on a loaded machine); a per-message allocation shows in
/// every window.
/// </summary>
/// <remarks>
/// The bound is 8 B per message, not 0: counted process-wide, a window also holds what the runtime and
/// the test host allocate per unit of time (about 2 KB per window on one busy core, where a window lasts
/// seconds). The smallest .NET object is 24 B, so an allocation on every message (48 KB per window), or
/// on every second message, still fails.
/// </remarks>
internal static class EchoAllocations
{
    private const int Messages = 2_000;
    private const int Windows = 10;
    private const int BytesPerMessageBound = 8;

    /// <summary>Echoes 64-byte messages over <paramref name="client"/> (blocking, connected) and fails unless some window of 2,000 stays under the bound.</summary>
    public static void AssertNonePerMessage(Socket client)
    {
        var message = new byte[64];
        var echoed = new byte[64];
        RoundTrips(client, message, echoed, 1_000); // warm-up: tiering, pools, the handler's first await

        var seen = new long[Windows];
        for (var w = 0; w < Windows; w++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            RoundTrips(client, message, echoed, Messages);
            seen[w] = GC.GetTotalAllocatedBytes(precise: true) - before;
            if (seen[w] < Messages * BytesPerMessageBound)
            {
                return;
            }
        }

        Assert.Fail($"every window of {Messages} messages allocated: {string.Join(", ", seen)} B");
    }

    private static void RoundTrips(Socket client, byte[] message, byte[] echoed, int count)
    {
        for (var i = 0; i < count; i++)
        {
            client.Send(message);
            var received = 0;
            while (received < echoed.Length)
            {
                var n = client.Receive(echoed, received, echoed.Length - received, SocketFlags.None);
                Assert.True(n > 0, "the server closed the connection");
                received += n;
            }
        }
    }
}
