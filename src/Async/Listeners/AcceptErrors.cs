using EporeX.Unix;

namespace EporeX;

/// <summary>What an accept error means for the listener: the one connection failed, resources ran out, or the listener is broken.</summary>
internal static class AcceptErrors
{
    /// <summary>
    /// The pending connection failed before it was taken (reset, aborted, a protocol or route error that
    /// Linux's accept(2) reports from the new socket): the next one may be fine, so accepting goes on.
    /// </summary>
    public static bool IsConnectionError(int errno) =>
        errno == Errno.ECONNABORTED || errno == Errno.ECONNRESET || errno == Libc.EPROTO || errno == Errno.EPERM
        || errno == Errno.ENETDOWN || errno == Errno.ENETUNREACH || errno == Errno.EHOSTUNREACH || errno == Errno.ETIMEDOUT
        || errno == Errno.EINTR;

    /// <summary>The process or system ran out of descriptors, buffers or memory: retrying at once would spin.</summary>
    public static bool IsResourceError(int errno) =>
        errno == Errno.EMFILE || errno == Libc.ENFILE || errno == Errno.ENOBUFS || errno == Errno.ENOMEM;

    /// <summary>The descriptor limits, which the spare descriptor can get around.</summary>
    public static bool IsDescriptorLimit(int errno) => errno == Errno.EMFILE || errno == Libc.ENFILE;

    public static string Name(int errno) =>
        errno == Libc.ENFILE ? "ENFILE" : errno == Errno.ENOBUFS ? "ENOBUFS" : Errno.Name(errno);
}
