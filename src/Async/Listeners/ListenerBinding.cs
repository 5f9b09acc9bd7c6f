using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using EporeX.Unix;

namespace EporeX;

/// <summary>Creates, binds and listens the sockets of a listener, and decides between one per loop and one acceptor.</summary>
internal static class ListenerBinding
{
    /// <summary>The bound, listening, non-blocking sockets, the distribution in use, and why.</summary>
    public static (List<Socket> Sockets, ListenerDistribution Distribution, string Reason) Bind(
        EndPoint endPoint, int loops, EventLoopListenerOptions options)
    {
        var wanted = options.Distribution;
        var unix = endPoint is UnixDomainSocketEndPoint;
        string? whyNot = unix ? "Unix domain sockets have no balancing SO_REUSEPORT"
            : Libc.BalancingReusePort is null ? $"{Environment.OSVersion.Platform} ({System.Runtime.InteropServices.RuntimeInformation.OSDescription}) has no SO_REUSEPORT that balances connections"
            : null;
        if (wanted == ListenerDistribution.ReusePort && whyNot is not null)
        {
            throw new NotSupportedException($"ListenerDistribution.ReusePort cannot work here: {whyNot}. Use Auto or Acceptor.");
        }

        if (wanted == ListenerDistribution.Acceptor || whyNot is not null || (wanted == ListenerDistribution.Auto && loops == 1))
        {
            var reason = wanted == ListenerDistribution.Acceptor ? "asked for"
                : whyNot ?? "the group has one loop";
            return ([Listen(Open(endPoint, reusePort: false), endPoint, options.Backlog)], ListenerDistribution.Acceptor, reason);
        }

        RefuseAPortInUse(endPoint);
        var sockets = new List<Socket>(loops);
        try
        {
            var label = Libc.BalancingReusePort!.Value.Label;
            var first = Open(endPoint, reusePort: true, out var refused);
            if (refused is not null)
            {
                return Refused(wanted, label, refused, first, endPoint, options);
            }

            sockets.Add(Listen(first, endPoint, options.Backlog));
            var bound = first.LocalEndPoint!; // the port the kernel chose when 0 was asked, for the others
            for (var i = 1; i < loops; i++)
            {
                var socket = Open(bound, reusePort: true, out refused);
                if (refused is null)
                {
                    try
                    {
                        sockets.Add(Listen(socket, bound, options.Backlog));
                        continue;
                    }
                    catch (SocketException e)
                    {
                        refused = e; // bound already by a socket without the option (another process)
                    }
                }

                socket.Dispose();
                for (var j = 1; j < sockets.Count; j++)
                {
                    sockets[j].Dispose();
                }

                sockets.RemoveRange(1, sockets.Count - 1);
                if (wanted == ListenerDistribution.ReusePort)
                {
                    throw new NotSupportedException($"ListenerDistribution.ReusePort: a second socket could not share {bound} ({label}): {refused.Message}", refused);
                }

                return (sockets, ListenerDistribution.Acceptor, $"a second socket could not share the port with {label} ({refused.Message})");
            }

            return (sockets, ListenerDistribution.ReusePort, $"{label}: the kernel spreads connections over {loops} sockets");
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Fails with the bind's <see cref="SocketException"/> (address in use) when anyone listens on the port
    /// already. The sockets of a group carry <c>SO_REUSEPORT</c> from before their bind, so they would join a
    /// group that another server of the same user holds on that port (a second instance of the same app) and
    /// take a share of its connections, where a server expects "address in use". A socket bound without the
    /// option collides with any listener there, grouped or not; it is closed at once. A server that binds in
    /// the moment between the two is refused by the first real bind if it listens without the option; one
    /// that sets the option itself has asked to share.
    /// </summary>
    private static void RefuseAPortInUse(EndPoint endPoint)
    {
        if (endPoint is IPEndPoint { Port: not 0 })
        {
            using var probe = Open(endPoint, reusePort: false);
            probe.Bind(endPoint);
        }
    }

    private static (List<Socket>, ListenerDistribution, string) Refused(
        ListenerDistribution wanted, string label, SocketException refused, Socket socket, EndPoint endPoint, EventLoopListenerOptions options)
    {
        if (wanted == ListenerDistribution.ReusePort)
        {
            socket.Dispose();
            throw new NotSupportedException($"ListenerDistribution.ReusePort: the kernel refused {label}: {refused.Message}", refused);
        }

        // The socket is fine without the option: use it as the one acceptor.
        return ([Listen(socket, endPoint, options.Backlog)], ListenerDistribution.Acceptor, $"the kernel refused {label} ({refused.Message})");
    }

    private static Socket Open(EndPoint endPoint, bool reusePort) => Open(endPoint, reusePort, out _);

    /// <summary>A new socket for <paramref name="endPoint"/>'s family; <paramref name="refused"/> says if the kernel refused the balancing option.</summary>
    private static Socket Open(EndPoint endPoint, bool reusePort, out SocketException? refused)
    {
        refused = null;
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint is not UnixDomainSocketEndPoint)
            {
                // Rebinding a port whose old connections are in TIME_WAIT, as every server does.
                socket.SetRawSocketOption(Libc.SOL_SOCKET, Libc.SO_REUSEADDR, BitConverter.GetBytes(1));
            }

            if (endPoint is IPEndPoint { Address: var address } && address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true; // [::] takes IPv4 peers too, as Kestrel's Sockets transport binds it
            }

            if (reusePort)
            {
                var (level, name, _) = Libc.BalancingReusePort!.Value;
                try
                {
                    socket.SetRawSocketOption(level, name, BitConverter.GetBytes(1));
                }
                catch (SocketException e)
                {
                    refused = e;
                }
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Binds, listens, and makes the socket non-blocking (the listener's accept4 must never wait).</summary>
    private static Socket Listen(Socket socket, EndPoint endPoint, int backlog)
    {
        try
        {
            socket.Bind(endPoint);
            socket.Listen(backlog);
            socket.Blocking = false;
            using var reference = new HandleReference(socket.SafeHandle);
            var error = Libc.SetNonBlocking((int)reference.Value);
            if (error != 0)
            {
                throw new EventQueueException($"The listening socket could not be made non-blocking: fcntl failed with {Errno.Name(error)}.", error, (int)reference.Value);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
