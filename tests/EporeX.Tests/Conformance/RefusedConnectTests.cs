using System;
using System.Net.Sockets;
using EporeX.Tests.Support;

namespace EporeX.Tests.Conformance;

/// <summary>What a user reads after a refused connect was reported: mio's <c>take_error</c>, tokio's <c>TcpStream::take_error</c>.</summary>
public sealed class RefusedConnectTests
{
    private static readonly Token T = new(7);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void After_a_refused_connect_is_reported_SO_ERROR_still_holds_the_error(string backend)
    {
        using var poll = Backends.Open(backend);
        using var client = Loopback.ConnectingToClosedPort();
        poll.Registry.Register(client, T, Interest.Readable | Interest.Writable);
        var ev = poll.WaitFor(T);
        Assert.True(ev.IsError || ev.IsWriteClosed, ev.ToString());

        Skip.If(
            backend == "kqueue" && OperatingSystem.IsLinux(),
            "libkqueue reads SO_ERROR itself to fill the kevent's fflags (src/linux/read.c and write.c copyout on EPOLLERR), "
            + "and reading SO_ERROR clears it on Linux: the error reached the event (IsError, checked above), not the socket");
        var error = (int)client.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        Assert.NotEqual(0, error);
    }
}
