using System;
using System.Collections.Generic;
using EporeX.Tests.Support;

namespace EporeX.Tests.Reliability;

/// <summary>
/// A raw descriptor closed while registered, its number reused at once by a new descriptor. The library
/// never held a handle object for it, so only the kernel can tell a stale entry from a live duplicate:
/// epoll and kqueue drop a registration when its file is closed, and then the new descriptor registers
/// normally (IEventQueue.TryReplaceStale); poll(2) cannot tell, so the library refuses with
/// AlreadyRegisteredException until the user deregisters the number. On no backend does the old token
/// come back for the new descriptor by itself on a kernel that forgets.
/// </summary>
[Collection(SerialCollection.Name)] // reuses descriptor numbers: nothing else may open one meanwhile
public sealed class ClosedRawDescriptorTests
{
    private static readonly Token Old = new(1);
    private static readonly Token New = new(2);

    /// <summary>The backends whose kernel object forgets a descriptor when it is closed.</summary>
    private static readonly HashSet<string> KernelForgets = new(StringComparer.Ordinal) { "epoll", "kqueue" };

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_reused_raw_number_registers_again_as_the_backend_documents(string backend)
    {
        using var poll = Backends.Open(backend);
        var (local, peer) = Native.SocketPair();
        poll.Registry.Register(local, Old, Interest.Readable);
        Native.Close(local); // without deregistering: the documented misuse
        Native.Close(peer);

        var (reused, other) = Native.SocketPair();
        try
        {
            Skip.IfNot(reused == local, $"the kernel did not reuse descriptor {local} (got {reused})");
            Assert.True(poll.Registry.IsRegistered(reused), "the library cannot know that a raw descriptor was closed");
            Native.WriteBytes(other, 1); // the new descriptor is readable

            if (KernelForgets.Contains(backend))
            {
                poll.AssertQuiet(Old, TimeSpan.FromMilliseconds(100));
                poll.Registry.Register(reused, New, Interest.Readable);
            }
            else
            {
                var e = Assert.Throws<AlreadyRegisteredException>(() => poll.Registry.Register(reused, New, Interest.Readable));
                Assert.Equal(reused, e.Descriptor);
                poll.Registry.Deregister(reused);
                poll.AssertQuiet(Old, TimeSpan.FromMilliseconds(100));
                poll.Registry.Register(reused, New, Interest.Readable);
            }

            Assert.True(poll.WaitFor(New).IsReadable);
            poll.AssertQuiet(Old);
            poll.Registry.Deregister(reused);
            Assert.Equal(0, poll.Registry.Count);
        }
        finally
        {
            Native.Close(reused);
            Native.Close(other);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Changing_a_closed_raw_descriptor_clears_the_entry_on_every_backend(string backend)
    {
        using var poll = Backends.Open(backend);
        var (local, peer) = Native.SocketPair();
        poll.Registry.Register(local, Old, Interest.Readable);
        Native.Close(local);
        Native.Close(peer);

        // The number is free, and every backend says so (epoll and kqueue: EBADF from the kernel; poll(2):
        // its fcntl check) to Reregister and Deregister alike; the entry goes with the first of them.
        Assert.Throws<InvalidDescriptorException>(() => poll.Registry.Reregister(local, New, Interest.Writable));

        Assert.False(poll.Registry.IsRegistered(local));
        Assert.Equal(0, poll.Registry.Count);
        Assert.Throws<NotRegisteredException>(() => poll.Registry.Deregister(local));
    }
}
