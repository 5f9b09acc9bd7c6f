using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    /// <summary>OpenBSD's own socket flag numbers; UnixFamily has no flag for it since nothing else differs yet.</summary>
    private static readonly bool s_isOpenBSD = RuntimeInformation.OSDescription.Contains("OpenBSD", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// accept4 is in Linux's libc, FreeBSD ≥ 10, OpenBSD ≥ 5.7 and NetBSD ≥ 8; macOS has none, so there
    /// the accepted descriptor gets its flags from fcntl right after accept (as the .NET runtime does there).
    /// </summary>
    internal static readonly bool HasAccept4 = !UnixFamily.IsApple;

    /// <summary>accept4's non-blocking flag: Linux 0x800, OpenBSD 0x4000, FreeBSD and NetBSD 0x20000000.</summary>
    internal static readonly int SOCK_NONBLOCK = UnixFamily.IsLinux ? 0x800 : s_isOpenBSD ? 0x4000 : 0x20000000;

    /// <summary>accept4's close-on-exec flag: Linux 0x80000, OpenBSD 0x8000, FreeBSD and NetBSD 0x10000000.</summary>
    internal static readonly int SOCK_CLOEXEC = UnixFamily.IsLinux ? 0x80000 : s_isOpenBSD ? 0x8000 : 0x10000000;

    /// <summary>ENFILE, 23 everywhere: the system's file table is full.</summary>
    internal const int ENFILE = 23;

    /// <summary>EPROTO: Linux 71, macOS and the BSDs 92 (a protocol error on a connection still in the queue).</summary>
    internal static readonly int EPROTO = UnixFamily.IsLinux ? 71 : 92;

    [LibraryImport(Library, EntryPoint = "accept4", SetLastError = true)]
    private static unsafe partial int Accept4Raw(int fd, byte* address, uint* addressLength, int flags);

    [LibraryImport(Library, EntryPoint = "accept", SetLastError = true)]
    private static unsafe partial int AcceptRaw(int fd, byte* address, uint* addressLength);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags);

    /// <summary>
    /// Takes one pending connection off a non-blocking listening socket, as a non-blocking, close-on-exec
    /// descriptor, without its peer's address. EINTR is retried.
    /// </summary>
    /// <returns>The new descriptor, or -1 with <paramref name="errno"/> set (EAGAIN when none is pending).</returns>
    internal static int AcceptNonBlocking(int listeningFd, out int errno) =>
        AcceptNonBlocking(listeningFd, [], out _, out errno);

    /// <summary>
    /// As <see cref="AcceptNonBlocking(int, out int)"/>, and the peer's native sockaddr into
    /// <paramref name="peer"/> (<see cref="SockaddrStorageSize"/> bytes hold any), its length in
    /// <paramref name="peerLength"/>: the address the accept call returns anyway, where getpeername later
    /// would be one more system call.
    /// </summary>
    internal static unsafe int AcceptNonBlocking(int listeningFd, Span<byte> peer, out int peerLength, out int errno)
    {
        fixed (byte* address = peer)
        {
            while (true)
            {
                var length = (uint)peer.Length;
                var lengthArgument = peer.IsEmpty ? null : &length;
                var fd = HasAccept4
                    ? Accept4Raw(listeningFd, address, lengthArgument, SOCK_NONBLOCK | SOCK_CLOEXEC)
                    : AcceptRaw(listeningFd, address, lengthArgument);
                if (fd >= 0)
                {
                    peerLength = (int)Math.Min(length, (uint)peer.Length); // the kernel reports the full size of a truncated address
                    errno = HasAccept4 ? 0 : SetFlagsAfterAccept(fd);
                    return errno == 0 ? fd : -1;
                }

                errno = Errno.Last;
                if (errno != Errno.EINTR)
                {
                    peerLength = 0;
                    return -1;
                }
            }
        }
    }

    /// <summary>Opens <paramref name="path"/> read-only and close-on-exec (the listener's spare descriptor, /dev/null).</summary>
    /// <returns>The descriptor, or -1 with <paramref name="errno"/> set.</returns>
    internal static int OpenReadOnly(string path, out int errno)
    {
        // O_RDONLY is 0 everywhere; open's third (mode) argument is read only with O_CREAT, so two suffice.
        var fd = OpenRaw(path, O_CLOEXEC);
        errno = fd >= 0 ? 0 : Errno.Last;
        return fd;
    }

    private static int SetFlagsAfterAccept(int fd)
    {
        var error = SetCloseOnExec(fd);
        if (error == 0)
        {
            error = SetNonBlocking(fd);
        }

        if (error != 0)
        {
            Close(fd);
        }

        return error;
    }
}
