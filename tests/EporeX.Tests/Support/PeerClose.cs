using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Tests.Support;

/// <summary>
/// Waits until a socket has taken in its peer's FIN. On Linux, close() on one end of a loopback connection
/// can return before the other end has processed the FIN (on a busy core the softirq that carries it runs
/// later), so a level-triggered wait that already has data to report may come back before the close is
/// visible. A test that records "the peer closed" first waits for that condition, with a generous bound.
/// </summary>
internal static unsafe partial class PeerClose
{
    private const short POLLRDHUP = 0x2000; // Linux only

    public static void AwaitSeen(SafeHandle socket)
    {
        using var reference = new HandleReference(socket);
        AwaitSeen((int)reference.Value);
    }

    public static void AwaitSeen(int fd)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the BSDs and macOS process a loopback FIN within the close() call
        }

        var clock = Stopwatch.StartNew();
        var entry = stackalloc PollFd[1];
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            entry[0] = new PollFd { Fd = fd, Events = POLLRDHUP };
            if (Poll(entry, 1, 10) > 0 && (entry[0].Revents & POLLRDHUP) != 0)
            {
                return;
            }
        }

        throw new TimeoutException($"descriptor {fd} never saw its peer's close");
    }

    [LibraryImport(Libc.Library, EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeout);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
