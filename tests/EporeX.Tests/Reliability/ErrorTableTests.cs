using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EporeX.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Reliability;

/// <summary>
/// The rows of the errors table (docs/articles/errors.md) that Conformance/BadInputTests does not already check, so that
/// every row is backed by a test.
/// </summary>
public sealed class ErrorTableTests
{
    private static readonly Token T = new(5);

    [Fact]
    public void Null_arguments_outside_the_registry_are_ArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new Poll(null!));
        Assert.Throws<ArgumentNullException>(() => new Waker(null!, T));
        Assert.Throws<ArgumentNullException>(() => new EventQueueFactory(null!));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddEventQueue());
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddEventQueueCore());
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Every_registry_overload_refuses_null_with_ArgumentNull(string backend)
    {
        using var poll = Backends.Open(backend);
        var registry = poll.Registry;

        Assert.Throws<ArgumentNullException>(() => registry.Reregister((SafeHandle)null!, T, Interest.Readable));
        Assert.Throws<ArgumentNullException>(() => registry.Reregister((Socket)null!, T, Interest.Readable));
        Assert.Throws<ArgumentNullException>(() => registry.Deregister((SafeHandle)null!));
        Assert.Throws<ArgumentNullException>(() => registry.Deregister((Socket)null!));
        Assert.Equal(0, registry.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_disposed_Socket_is_ObjectDisposed_for_Reregister_and_Deregister_too(string backend)
    {
        using var poll = Backends.Open(backend);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Dispose();

        Assert.Throws<ObjectDisposedException>(() => poll.Registry.Reregister(socket, T, Interest.Readable));
        Assert.Throws<ObjectDisposedException>(() => poll.Registry.Deregister(socket));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Argument_checks_come_before_the_handle_is_touched(string backend)
    {
        using var poll = Backends.Open(backend);
        var (r, w) = Native.Pipe();
        var closed = new SafeFileHandle(r, ownsHandle: true);
        closed.Dispose();
        Native.Close(w);

        // An empty interest on a closed handle is the argument error, not the closed handle.
        Assert.Throws<ArgumentException>(() => poll.Registry.Register(closed, T, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => poll.Registry.Reregister(closed, T, Interest.Readable, (PollMode)42));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Wake_after_its_Poll_is_disposed_is_harmless_and_after_its_own_Dispose_is_ObjectDisposed(string backend)
    {
        var poll = Backends.Open(backend);
        var waker = new Waker(poll.Registry, T);
        poll.Dispose();

        waker.Wake(); // the queue is gone; the waker's own descriptor is still open until it is disposed
        waker.Dispose();
        Assert.Throws<ObjectDisposedException>(waker.Wake);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void The_events_indexer_stops_at_the_count_of_the_last_wait(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, T);
        var events = new Events(8);
        waker.Wake();
        Assert.Equal(1, poll.Wait(events, Waiting.Arrives));

        Assert.Equal(T, events[0].Token);
        Assert.Throws<ArgumentOutOfRangeException>(() => events[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => events[-1]);
        poll.Wait(events, TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => events[0]);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_Priority_interest_is_accepted_exactly_where_the_capabilities_say(string backend)
    {
        using var poll = Backends.Open(backend);
        var (a, b) = Native.SocketPair();
        try
        {
            if (poll.Capabilities.Supports(Interest.Priority))
            {
                poll.Registry.Register(a, T, Interest.Priority);
                poll.Registry.Deregister(a);
            }
            else
            {
                var e = Assert.Throws<NotSupportedException>(() => poll.Registry.Register(a, T, Interest.Priority));
                Assert.Contains("Priority", e.Message);
            }
        }
        finally
        {
            Native.Close(a);
            Native.Close(b);
        }
    }
}
