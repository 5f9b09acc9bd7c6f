namespace EporeX.Fallback.Poll;

/// <summary>The calls of the poll(2) backend, one call group per file.</summary>
internal static partial class Interop
{
    internal const string Libc = "libc";
}
