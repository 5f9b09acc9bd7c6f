using System;
using System.Threading;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>
/// Read-closed is final, so it must never be reported for a live connection. The race that invites it: a
/// reader on another thread drains the socket while a wait is collecting its events (libkqueue copies a
/// read kevent out after epoll_wait returned and calls an empty queue EV_EOF; see LibKqueueReadEof).
/// </summary>
public sealed class ReadClosedRaceTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_live_stream_socket_drained_by_another_thread_is_never_read_closed(string backend)
    {
        using var poll = Backends.Open(backend);
        var (a, b) = Native.SocketPair();
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Native.WriteBytes(a, 1);
                Thread.Yield();
            }
        });
        var reader = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Native.ReadAll(b);
            }
        });
        Event? readClosed = null;
        var readable = 0;
        try
        {
            poll.Registry.Register(b, new Token(1), Interest.Readable); // level: an event on every wait while bytes wait
            writer.Start();
            reader.Start();
            var events = new Events(8);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
            while (readClosed is null && DateTime.UtcNow < until)
            {
                poll.Wait(events, TimeSpan.FromMilliseconds(10));
                foreach (var e in events)
                {
                    readClosed ??= e.IsReadClosed ? e : null;
                    readable += e.IsReadable ? 1 : 0;
                }
            }
        }
        finally
        {
            // Both threads stop before the descriptors close: a number closed under them could be reused
            // by the runtime, and a stray write into its descriptor would corrupt it.
            stop.Cancel();
            writer.Join();
            reader.Join();
            Native.Close(a);
            Native.Close(b);
        }

        Assert.True(readClosed is null, $"a live socket was reported read-closed after {readable} readable events: {readClosed}");
        Assert.True(readable > 100, $"only {readable} readable events: the race was hardly run");
    }
}
