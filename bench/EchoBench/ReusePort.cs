using System;
using System.Net.Sockets;

namespace EporeX.Bench.EchoBench;

/// <summary>SO_REUSEPORT, so that several loops each have a listening socket on the same port and the kernel spreads connections among them.</summary>
internal static class ReusePort
{
    public static void Enable(Socket socket)
    {
        // Linux: SOL_SOCKET 1, SO_REUSEPORT 15; macOS and the BSDs: SOL_SOCKET 0xffff, SO_REUSEPORT 0x200.
        var (level, name) = OperatingSystem.IsLinux() ? (1, 15) : (0xffff, 0x200);
        socket.SetRawSocketOption(level, name, BitConverter.GetBytes(1));
    }
}
