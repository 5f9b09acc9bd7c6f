using System;
using System.Net.Sockets;

namespace EporeX.FaultDriver;

/// <summary>The errno values a scenario may be told to expect as refusals, and how .NET's sockets name them.</summary>
internal static class ErrnoNames
{
    public const int EBADF = 9;
    public const int ENOMEM = 12;
    public const int EPIPE = 32;
    public const int EMFILE = 24;
    public const int ENOBUFS = 105;

    /// <summary>A comma-separated list of names.</summary>
    public static int[] ParseList(string names) => Array.ConvertAll(names.Split(','), Parse);

    public static int Parse(string name) => name switch
    {
        "EBADF" => EBADF,
        "ENOMEM" => ENOMEM,
        "EPIPE" => EPIPE,
        "EMFILE" => EMFILE,
        "ENOBUFS" => ENOBUFS,
        _ => throw new ArgumentException($"unknown errno {name}"),
    };

    /// <summary>The <see cref="SocketError"/> the runtime and the library give a socket call that failed with <paramref name="errno"/>.</summary>
    public static SocketError AsSocketError(int errno) => errno switch
    {
        EPIPE => SocketError.Shutdown,
        EMFILE => SocketError.TooManyOpenSockets,
        ENOBUFS => SocketError.NoBufferSpaceAvailable,
        _ => SocketError.SocketError,
    };
}
