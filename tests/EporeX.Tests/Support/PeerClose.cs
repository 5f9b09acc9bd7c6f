using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Tests.Support;

/// <summary>
/// Waits until a descriptor sees that its peer closed or shut down writing (a socket's FIN or hang-up, a
/// pipe's last writer gone). A test that records "the peer closed" and then looks at once needs this on
/// Linux for two reasons:
/// <list type="bullet">
/// <item>close() on one end of a loopback TCP connection can return before the other end has processed the
/// FIN (on a busy core the softirq that carries it runs later);</item>
/// <item>close() releases a socket or pipe only with the last copy of its descriptor, and a process that
/// another test is starting holds a copy from its vfork to its exec (close-on-exec acts only then). With a
/// loop of Process.Start beside it, 544 of 712,756 socket-pair closes were not seen by a poll(2) right
/// after.</item>
/// </list>
/// Either way a level-triggered wait that already has data to report may come back before the close is
/// visible, so the test first waits for the kernel's state, with a generous bound.
/// </summary>
internal static unsafe partial class PeerClose
{
    private const short POLLHUP = 0x10;    // a pipe without writers, a socket shut down both ways
    private const short POLLRDHUP = 0x2000; // Linux only: the peer shut down writing

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
            if (Poll(entry, 1, 10) > 0 && (entry[0].Revents & (POLLRDHUP | POLLHUP)) != 0)
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
