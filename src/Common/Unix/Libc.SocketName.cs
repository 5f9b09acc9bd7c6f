using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    /// <summary>sizeof(struct sockaddr_storage) on every Unix: room for any address family's sockaddr.</summary>
    internal const int SockaddrStorageSize = 128;

    [LibraryImport(Library, EntryPoint = "getsockname", SetLastError = true)]
    private static unsafe partial int GetSockNameRaw(int fd, byte* address, uint* length);

    [LibraryImport(Library, EntryPoint = "getpeername", SetLastError = true)]
    private static unsafe partial int GetPeerNameRaw(int fd, byte* address, uint* length);

    /// <summary>
    /// A connected socket's own address (getsockname) or its peer's (getpeername), as an end point of
    /// <paramref name="kind"/>'s type (an <see cref="IPEndPoint"/>, a <see cref="UnixDomainSocketEndPoint"/>):
    /// one system call, where building a <see cref="Socket"/> around the descriptor to ask it costs six.
    /// </summary>
    /// <returns>The address, or null when the kernel refuses (the peer already gone: ENOTCONN) or the family differs.</returns>
    internal static unsafe EndPoint? SocketName(int fd, bool peer, EndPoint kind)
    {
        Span<byte> buffer = stackalloc byte[SockaddrStorageSize];
        var length = (uint)SockaddrStorageSize;
        fixed (byte* address = buffer)
        {
            if ((peer ? GetPeerNameRaw(fd, address, &length) : GetSockNameRaw(fd, address, &length)) != 0)
            {
                return null;
            }
        }

        return ToEndPoint(buffer[..(int)Math.Min(length, SockaddrStorageSize)], kind);
    }

    /// <summary>A native sockaddr the kernel filled (getsockname, getpeername, accept) as an end point of <paramref name="kind"/>'s type; null when the family differs or the type cannot hold it.</summary>
    internal static EndPoint? ToEndPoint(ReadOnlySpan<byte> sockaddr, EndPoint kind)
    {
        // SocketAddress keeps the native layout, so the bytes go in as they are; sized to them (16 bytes
        // for IPv4, 28 for IPv6), not to sockaddr_storage, as this runs once per accepted connection.
        var address = new SocketAddress(kind.AddressFamily, Math.Max(sockaddr.Length, sizeof(ushort)));
        sockaddr.CopyTo(address.Buffer.Span);
        try
        {
            return address.Family == kind.AddressFamily ? kind.Create(address) : null;
        }
        catch (ArgumentException)
        {
            return null; // an address the end point type cannot hold
        }
    }
}
