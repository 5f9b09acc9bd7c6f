namespace EporeX.Unix;

/// <summary>
/// The libc calls every Unix backend shares, one call group per file (Libc.Close.cs, Libc.Pipe.cs, …),
/// in the manner of dotnet/runtime's <c>Interop.Sys</c>. "libc" resolves to the C library on glibc,
/// musl, macOS and the BSDs.
/// </summary>
internal static partial class Libc
{
    internal const string Library = "libc";
}
