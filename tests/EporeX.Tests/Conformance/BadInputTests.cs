using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EporeX.Tests.Support;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Tests.Conformance;

/// <summary>Each mistake gets its own typed error, and the queue keeps working afterwards.</summary>
public sealed class BadInputTests
{
    private static readonly Token T = new(5);

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_closed_SafeHandle_is_ObjectDisposed(string backend)
    {
        using var poll = Backends.Open(backend);
        var (r, w) = Native.Pipe();
        var handle = new SafeFileHandle(r, ownsHandle: true);
        handle.Dispose();
        Native.Close(w);

        Assert.Throws<ObjectDisposedException>(() => poll.Registry.Register(handle, T, Interest.Readable));
        Assert.Throws<ObjectDisposedException>(() => poll.Registry.Reregister(handle, T, Interest.Readable));
        Assert.Throws<ObjectDisposedException>(() => poll.Registry.Deregister(handle));
        StillWorks(poll);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_disposed_Socket_is_ObjectDisposed(string backend)
    {
        using var poll = Backends.Open(backend);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Dispose();

        Assert.Throws<ObjectDisposedException>(() => poll.Registry.Register(socket, T, Interest.Readable));
        StillWorks(poll);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void An_invalid_handle_or_a_negative_descriptor_is_an_argument_error(string backend)
    {
        using var poll = Backends.Open(backend);
        using var invalid = new SafeFileHandle(new IntPtr(-1), ownsHandle: false);

        Assert.Throws<ArgumentException>(() => poll.Registry.Register(invalid, T, Interest.Readable));
        Assert.Throws<ArgumentOutOfRangeException>(() => poll.Registry.Register(-1, T, Interest.Readable));
        Assert.Throws<ArgumentOutOfRangeException>(() => poll.Registry.Reregister(-1, T, Interest.Readable));
        Assert.Throws<ArgumentOutOfRangeException>(() => poll.Registry.Deregister(-1));
        Assert.Throws<ArgumentNullException>(() => poll.Registry.Register((SafeHandle)null!, T, Interest.Readable));
        Assert.Throws<ArgumentNullException>(() => poll.Registry.Register((Socket)null!, T, Interest.Readable));
        StillWorks(poll);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_descriptor_that_is_not_open_is_InvalidDescriptor(string backend)
    {
        using var poll = Backends.Open(backend);
        var fd = 60_000;
        while (Native.IsOpen(fd))
        {
            fd++;
        }

        var e = Assert.Throws<InvalidDescriptorException>(() => poll.Registry.Register(fd, T, Interest.Readable));
        Assert.Equal(fd, e.Descriptor);
        Assert.Contains("not an open descriptor", e.Message);
        Assert.False(poll.Registry.IsRegistered(fd));
        StillWorks(poll);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.WithReadableKindsAndThirdParty), MemberType = typeof(Backends))]
    public void Registering_twice_is_AlreadyRegistered_and_the_first_registration_stays(string backend, string kind)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(kind);
        endpoint.Register(poll.Registry, T, Interest.Readable);

        var e = Assert.Throws<AlreadyRegisteredException>(() => endpoint.Register(poll.Registry, new Token(6), Interest.Writable));
        Assert.Equal(endpoint.LocalFd, e.Descriptor);
        Assert.Throws<AlreadyRegisteredException>(() => poll.Registry.Register(endpoint.LocalFd, new Token(6), Interest.Readable));

        endpoint.PeerWrite();
        var ready = poll.WaitFor(T);
        Assert.True(ready.IsReadable && !ready.IsWritable, ready.ToString());
        poll.AssertQuiet(new Token(6));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void Deregistering_or_reregistering_what_is_not_registered_is_NotRegistered(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);

        Assert.Throws<NotRegisteredException>(() => endpoint.Deregister(poll.Registry));
        Assert.Throws<NotRegisteredException>(() => endpoint.Reregister(poll.Registry, T, Interest.Readable));

        endpoint.Register(poll.Registry, T, Interest.Readable);
        endpoint.Deregister(poll.Registry);
        Assert.Throws<NotRegisteredException>(() => endpoint.Deregister(poll.Registry));
        StillWorks(poll);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_regular_file_is_refused_clearly_or_always_ready(string backend)
    {
        using var poll = Backends.Open(backend);
        var path = Path.GetTempFileName();
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            if (poll.Capabilities.RegularFiles)
            {
                poll.Registry.Register(file, T, Interest.Readable);
                Assert.True(poll.WaitFor(T).IsReadable);
                poll.Registry.Deregister(file);
            }
            else
            {
                var e = Assert.Throws<UnsupportedDescriptorException>(() => poll.Registry.Register(file, T, Interest.Readable));
                Assert.Contains("regular file", e.Message);
                Assert.False(poll.Registry.IsRegistered((int)file.DangerousGetHandle()));
            }
        }
        finally
        {
            File.Delete(path);
        }

        StillWorks(poll);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void An_empty_or_unknown_interest_is_an_argument_error(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);

        Assert.Throws<ArgumentException>(() => endpoint.Register(poll.Registry, T, 0));
        Assert.Throws<ArgumentException>(() => endpoint.Register(poll.Registry, T, (Interest)64));
        Assert.Throws<ArgumentOutOfRangeException>(() => endpoint.Register(poll.Registry, T, Interest.Readable, (PollMode)9));
        Assert.False(poll.Registry.IsRegistered(endpoint.LocalFd));
        StillWorks(poll);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_mode_or_interest_the_backend_lacks_is_NotSupported_up_front(string backend)
    {
        using var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        foreach (var mode in Enum.GetValues<PollMode>())
        {
            if (!poll.Capabilities.Supports(mode))
            {
                var e = Assert.Throws<NotSupportedException>(() => endpoint.Register(poll.Registry, T, Interest.Readable, mode));
                Assert.Contains(mode.ToString(), e.Message);
            }
        }

        if (!poll.Capabilities.Supports(Interest.Priority))
        {
            Assert.Throws<NotSupportedException>(() => endpoint.Register(poll.Registry, T, Interest.Priority));
        }

        Assert.False(poll.Registry.IsRegistered(endpoint.LocalFd));
        StillWorks(poll);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void Every_call_after_Dispose_is_ObjectDisposed(string backend)
    {
        var poll = Backends.Open(backend);
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        endpoint.Register(poll.Registry, T, Interest.Readable);
        var registry = poll.Registry;
        poll.Dispose();
        poll.Dispose();

        Assert.Throws<ObjectDisposedException>(() => poll.Wait(new Events(1), TimeSpan.Zero));
        Assert.Throws<ObjectDisposedException>(() => registry.Register(endpoint.PeerFd, T, Interest.Readable));
        Assert.Throws<ObjectDisposedException>(() => endpoint.Reregister(registry, T, Interest.Writable));
        Assert.Throws<ObjectDisposedException>(() => endpoint.Deregister(registry));
        Assert.Throws<ObjectDisposedException>(() => new Waker(registry, T));
        Assert.True(Native.IsOpen(endpoint.LocalFd), "disposing the Poll must not close the caller's descriptors");
    }

    [Fact]
    public void An_events_buffer_needs_a_positive_capacity()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Events(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Events(-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Events(1)[0]);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.AllWithThirdParty), MemberType = typeof(Backends))]
    public void A_negative_timeout_is_out_of_range(string backend)
    {
        using var poll = Backends.Open(backend);

        Assert.Throws<ArgumentOutOfRangeException>(() => poll.Wait(new Events(1), TimeSpan.FromMilliseconds(-5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => poll.Wait(new Events(1), TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentNullException>(() => poll.Wait(null!, TimeSpan.Zero));
        StillWorks(poll);
    }

    /// <summary>After a refused call the queue still registers, reports and deregisters.</summary>
    private static void StillWorks(Poll poll)
    {
        using var endpoint = Endpoint.Create(Endpoint.SocketPair);
        var token = new Token(4242);
        endpoint.Register(poll.Registry, token, Interest.Readable);
        endpoint.PeerWrite();
        Assert.True(poll.WaitFor(token).IsReadable);
        endpoint.Deregister(poll.Registry);
    }
}
