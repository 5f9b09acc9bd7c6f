using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using EporeX.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Swap;

/// <summary>
/// One scripted program: registrations through all three Registry overloads, Level and Oneshot (the
/// modes every backend has), writes, shutdowns, closes with and without deregistering, wakes, and waits
/// with zero, sub-millisecond and short timeouts. It records what each wait reports as a sorted set
/// (order within one wait is the backend's business) and checks the tokens itself; the readiness bits
/// are what the swap tests compare across backends.
/// </summary>
/// <remarks>
/// Only socketpairs, pipes and wakers: their readiness is settled when the write or close returns, so a
/// wait sees all of it or none of it on every backend. Raw descriptors are deregistered before they are
/// closed, as the Registry asks.
/// </remarks>
internal sealed class SwapScenario
{
    private static readonly TimeSpan Arrives = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(20);

    private readonly Poll _poll;
    private readonly Registry _registry;
    private readonly Events _events = new(64);
    private readonly List<string> _trace = [];

    private SwapScenario(Poll poll, Registry registry)
    {
        _poll = poll;
        _registry = registry;
    }

    /// <summary>Runs the script on <paramref name="poll"/> and returns one line per wait.</summary>
    public static IReadOnlyList<string> Run(Poll poll, Registry registry)
    {
        var scenario = new SwapScenario(poll, registry);
        scenario.Script();
        return scenario._trace;
    }

    private void Script()
    {
        var (a1, b1) = Native.SocketPair(); // raw descriptor
        var (pipeRead, pipeWrite) = Native.Pipe();
        var pr = new SafeFileHandle(pipeRead, ownsHandle: true); // SafeHandle
        var pw = new SafeFileHandle(pipeWrite, ownsHandle: true);
        var (s, sPeer) = Native.SocketPair();
        var sock = new Socket(new SafeSocketHandle(s, ownsHandle: true)); // Socket
        using var w1 = new Waker(_registry, new Token(100));
        using var w2 = new Waker(_registry, new Token(101));
        try
        {
            _registry.Register(a1, new Token(1), Interest.Readable);
            _registry.Register(pr, new Token(2), Interest.Readable, PollMode.Oneshot);
            _registry.Register(sock, new Token(3), Interest.Readable | Interest.Writable);
            Wait("registered: only the socket is ready (writable)", Arrives, 3);
            Wait("zero timeout: level-triggered, again", TimeSpan.Zero, 3);

            _registry.Reregister(sock, new Token(3), Interest.Readable);
            Wait("socket reregistered for reading only", TimeSpan.Zero);
            Wait("half a millisecond", TimeSpan.FromTicks(5_000));

            Native.WriteBytes(b1, 3);
            Wait("peer wrote to the raw socketpair", Arrives, 1);
            Wait("not drained: level reports it again", Arrives, 1);
            Native.ReadAll(a1);
            Wait("drained", Quiet);

            Native.WriteBytes(pipeWrite, 1);
            Wait("pipe written: the oneshot fires", Arrives, 2);
            Native.WriteBytes(pipeWrite, 1);
            Wait("oneshot fired: silent though readable", Quiet);
            _registry.Reregister(pr, new Token(4), Interest.Readable, PollMode.Oneshot);
            Wait("oneshot rearmed with a new token", Arrives, 4);

            for (var i = 0; i < 1000; i++)
            {
                w1.Wake();
            }

            w2.Wake();
            Wait("a thousand wakes and one", Arrives, 100, 101);
            Wait("wakes coalesced", Quiet);

            Native.Shutdown(b1, Native.SHUT_WR);
            Wait("raw socketpair's peer shut down writing", Arrives, 1);
            _registry.Deregister(a1);
            Wait("raw socketpair deregistered", Quiet);
            Native.Close(a1);
            Native.Close(b1);
            a1 = b1 = -1;

            _registry.Reregister(sock, new Token(5), Interest.Readable | Interest.Writable);
            Native.WriteBytes(sPeer, 2);
            Wait("socket readable and writable under a new token", Arrives, 5);
            Native.Close(sPeer);
            sPeer = -1;
            PeerClose.AwaitSeen(sock.SafeHandle); // level-triggered with data left: report only once the FIN is in
            Wait("socket's peer closed with data left", Arrives, 5);
            sock.Dispose();
            Wait("registered Socket disposed: forgotten", Quiet);

            pw.Dispose();
            _registry.Reregister(pr, new Token(6), Interest.Readable);
            // epoll and poll(2) report the hang-up as WriteClosed too; kqueue watches only EVFILT_READ here,
            // and WriteClosed is EV_EOF on EVFILT_WRITE (docs/articles/backends.md, "Event flags, per backend"; mio alike).
            Wait("pipe's writer gone, reader rearmed as level", Arrives, Readiness.WriteClosed, 6);
            pr.Dispose();
            Wait("registered pipe SafeHandle disposed: forgotten", Quiet);

            var (r2, w2End) = Native.Pipe();
            _registry.Register(w2End, new Token(7), Interest.Writable);
            Wait("pipe write end registered", Arrives, 7);
            Native.Close(r2);
            Wait("pipe write end lost its reader", Arrives, 7);
            _registry.Deregister(w2End);
            Native.Close(w2End);
            Wait("everything deregistered or closed", Quiet);

            w1.Wake();
            Wait("one more wake", Arrives, 100);
            Wait("five milliseconds of nothing", TimeSpan.FromMilliseconds(5));
        }
        finally
        {
            foreach (var fd in new[] { a1, b1, sPeer })
            {
                if (fd >= 0)
                {
                    Native.Close(fd);
                }
            }

            sock.Dispose();
            pr.Dispose();
            pw.Dispose();
        }
    }

    /// <summary>One wait: records "what: {token: readiness; …}" and checks that the expected tokens, and only they, came.</summary>
    private void Wait(string what, TimeSpan timeout, params ulong[] tokens) => Wait(what, timeout, Readiness.None, tokens);

    /// <summary>As above, leaving <paramref name="perBackend"/> (bits the backends document differently) out of the record.</summary>
    private void Wait(string what, TimeSpan timeout, Readiness perBackend, params ulong[] tokens)
    {
        _poll.Wait(_events, timeout);
        var seen = _events.OrderBy(e => e.Token.Value).ThenBy(e => e.Readiness).ToArray();
        var line = $"{what}: {{{string.Join("; ", seen.Select(e => $"{e.Token}: {e.Readiness & ~perBackend}"))}}}";
        Assert.True(tokens.Order().SequenceEqual(seen.Select(e => e.Token.Value)), $"on {_poll.Backend}, expected tokens [{string.Join(", ", tokens)}] after {line}");
        _trace.Add(line);
    }
}
