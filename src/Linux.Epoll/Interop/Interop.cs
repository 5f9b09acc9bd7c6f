namespace EporeX.Linux.Epoll;

/// <summary>The Linux-only calls of the epoll backend, one call group per file.</summary>
internal static partial class Interop
{
    internal const string Libc = "libc";
}
