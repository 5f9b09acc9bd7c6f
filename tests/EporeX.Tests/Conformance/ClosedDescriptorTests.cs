using EporeX.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Conformance;

/// <summary>
/// A descriptor closed while registered: on every backend it is deregistered implicitly, its token never
/// comes back for a new descriptor that reuses the number, and that number registers normally.
/// </summary>
[Collection(SerialCollection.Name)] // reuses descriptor numbers: nothing else may open one meanwhile
public sealed class ClosedDescriptorTests
{
    private static readonly Token Old = new(1);
    private static readonly Token New = new(2);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_disposed_registered_Socket_is_forgotten_and_its_number_registers_again(string backend)
    {
        using var poll = Backends.Open(backend);
        var (first, firstPeer) = Loopback.ConnectedPair();
        using var peerEnd = firstPeer;
        var number = (int)first.SafeHandle.DangerousGetHandle();
        poll.Registry.Register(first, Old, Interest.Readable | Interest.Writable);

        Waiting.Bounded(System.TimeSpan.FromSeconds(5), first.Dispose, "disposing a registered Socket");

        // The next descriptor the kernel hands out takes the lowest free number: the one just closed.
        var (r, w) = Native.Pipe();
        using var read = new SafeFileHandle(r, ownsHandle: true);
        using var write = new SafeFileHandle(w, ownsHandle: true);
        Skip.IfNot(r == number || w == number, $"the kernel did not reuse descriptor {number} (got {r}, {w})");
        var reused = r == number ? read : write;

        Native.WriteBytes(w, 1); // the new descriptor is ready, but nobody registered it
        poll.AssertQuiet(Old, System.TimeSpan.FromMilliseconds(100));

        poll.Registry.Register(reused, New, r == number ? Interest.Readable : Interest.Writable);
        var e = poll.WaitFor(New);
        Assert.Equal(New, e.Token);
        poll.AssertQuiet(Old);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_closed_registered_SafeHandle_never_lends_its_token_to_the_new_descriptor(string backend)
    {
        using var poll = Backends.Open(backend);
        var (r1, w1) = Native.Pipe();
        var read1 = new SafeFileHandle(r1, ownsHandle: true);
        poll.Registry.Register(read1, Old, Interest.Readable);
        read1.Dispose();
        Native.Close(w1);

        var (r2, w2) = Native.Pipe();
        try
        {
            Skip.IfNot(r2 == r1, $"the kernel did not reuse descriptor {r1} (got {r2})");
            Native.WriteBytes(w2, 1);
            poll.AssertQuiet(Old, System.TimeSpan.FromMilliseconds(100));
            Assert.False(poll.Registry.IsRegistered(r2));

            poll.Registry.Register(r2, New, Interest.Readable);
            Assert.Equal(New, poll.WaitFor(New).Token);
            poll.AssertQuiet(Old);
            poll.Registry.Deregister(r2);
        }
        finally
        {
            Native.Close(r2);
            Native.Close(w2);
        }
    }

    /// <summary>
    /// Deregistered before its close: out of the registry at once, and after the close no event of its
    /// token comes back, even with data waiting under a level-triggered registration (on epoll the close
    /// itself took it out of the kernel; elsewhere the call did).
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void DeregisterBeforeClose_then_close_leaves_no_registration_and_its_number_registers_again(string backend)
    {
        using var poll = Backends.Open(backend);
        var (r1, w1) = Native.Pipe();
        var read1 = new SafeFileHandle(r1, ownsHandle: true);
        poll.Registry.Register(read1, Old, Interest.Readable, PollMode.Level);
        Native.WriteBytes(w1, 1); // stays readable: nobody reads it

        poll.Registry.DeregisterBeforeClose(read1);
        Assert.Equal(0, poll.Registry.Count);
        Assert.False(poll.Registry.IsRegistered(r1));
        read1.Dispose();
        poll.AssertQuiet(Old, System.TimeSpan.FromMilliseconds(100));
        poll.AssertQuiet(Old);
        Assert.Throws<System.ObjectDisposedException>(() => poll.Registry.DeregisterBeforeClose(read1));

        var (r2, w2) = Native.Pipe();
        try
        {
            Native.Close(w1);
            Native.WriteBytes(w2, 1);
            poll.Registry.Register(r2, New, Interest.Readable);
            Assert.Equal(New, poll.WaitFor(New).Token);
            poll.AssertQuiet(Old);
            poll.Registry.Deregister(r2);
            Assert.Equal(0, poll.Registry.Count);
        }
        finally
        {
            Native.Close(r2);
            Native.Close(w2);
        }
    }

    /// <summary>
    /// What <see cref="EventQueueCapabilities.CloseDeregisters"/> promises, and its limit: where it holds
    /// (epoll), the kernel registration belongs to the file, so a duplicate that outlives the close keeps
    /// reporting the old token; where it does not, DeregisterBeforeClose deregistered and nothing comes.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void After_DeregisterBeforeClose_only_a_backend_where_closing_deregisters_reports_a_surviving_duplicate(string backend)
    {
        using var poll = Backends.Open(backend);

        // Only epoll may claim it: libkqueue keeps a knote until EV_DELETE, poll(2) its set until told.
        Assert.Equal(backend == "epoll", poll.Registry.Capabilities.CloseDeregisters);
        var (r, w) = Native.Pipe();
        var read = new SafeFileHandle(r, ownsHandle: true);
        var duplicate = Native.Dup(r);
        Assert.True(duplicate >= 0, "dup failed");
        try
        {
            poll.Registry.Register(read, Old, Interest.Readable, poll.Registry.Capabilities.Edge ? PollMode.Edge : PollMode.Oneshot);
            poll.Registry.DeregisterBeforeClose(read);
            read.Dispose();

            Native.WriteBytes(w, 1); // an edge on the file that the duplicate keeps open
            if (poll.Registry.Capabilities.CloseDeregisters)
            {
                Assert.Equal(Old, poll.WaitFor(Old).Token);
            }
            else
            {
                poll.AssertQuiet(Old, System.TimeSpan.FromMilliseconds(100));
            }

            Assert.Equal(0, poll.Registry.Count);
        }
        finally
        {
            Native.Close(duplicate);
            Native.Close(w);
        }
    }
}
