using EporeX.Unix;

namespace EporeX;

/// <summary>What an accept error means for the listener: the listener is broken, resources ran out, or only that accept failed.</summary>
internal static class AcceptErrors
{
    /// <summary>
    /// Errors in a row after which a burst stops and accepting pauses as for <see cref="IsResourceError"/>:
    /// a refusal that leaves the connection queued (a security module that refuses every accept of it)
    /// would otherwise be met again at once, for ever.
    /// </summary>
    public const int MaxInARow = 64;

    /// <summary>
    /// The listening socket itself is unusable (closed, no socket, no longer listening): no later accept
    /// can succeed. Any other error leaves the listener alive, as in libuv: the pending connection failed
    /// before it was taken (reset, aborted, or a network error that Linux's accept(2) reports from the new
    /// socket: ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH),
    /// a firewall or security module refused it (EPERM, EACCES), or a signal came (EINTR); the next may be fine.
    /// </summary>
    public static bool IsListenerBroken(int errno) =>
        errno == Errno.EBADF || errno == Errno.ENOTSOCK || errno == Errno.EINVAL || errno == Errno.EFAULT;

    /// <summary>The process or system ran out of descriptors, buffers or memory: retrying at once would spin.</summary>
    public static bool IsResourceError(int errno) =>
        errno == Errno.EMFILE || errno == Libc.ENFILE || errno == Errno.ENOBUFS || errno == Errno.ENOMEM;

    /// <summary>The descriptor limits, which the spare descriptor can get around.</summary>
    public static bool IsDescriptorLimit(int errno) => errno == Errno.EMFILE || errno == Libc.ENFILE;

    public static string Name(int errno) =>
        errno == Libc.ENFILE ? "ENFILE" : errno == Errno.ENOBUFS ? "ENOBUFS" : Errno.Name(errno);
}
