using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    /// <summary>POLLIN: 1 on Linux, macOS and the BSDs.</summary>
    private const short POLLIN = 0x1;

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollOne(PollEntry* entry, nuint count, int timeout);

    /// <summary>
    /// True when <paramref name="fd"/> has something to read now (one poll(2) that never blocks, resumed
    /// after EINTR); false when it has not, or the poll failed.
    /// </summary>
    internal static unsafe bool HasInput(int fd)
    {
        var entry = new PollEntry { Fd = fd, Events = POLLIN };
        int n;
        while ((n = PollOne(&entry, 1, 0)) < 0 && Errno.Last == Errno.EINTR)
        {
        }

        return n > 0 && (entry.Revents & POLLIN) != 0;
    }

    /// <summary><c>struct pollfd</c>: the same 8 bytes on every Unix.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PollEntry
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
