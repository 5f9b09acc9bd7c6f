using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int FD_CLOEXEC = 1;

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    /// <summary>True when <paramref name="fd"/> is an open descriptor of this process.</summary>
    internal static bool IsOpen(int fd) => fd >= 0 && Fcntl(fd, F_GETFD, 0) != -1;

    /// <returns>0, or the errno.</returns>
    internal static int SetCloseOnExec(int fd)
    {
        var flags = Fcntl(fd, F_GETFD, 0);
        return flags == -1 || Fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1 ? Errno.Last : 0;
    }

    /// <returns>0, or the errno.</returns>
    internal static int SetNonBlocking(int fd)
    {
        var flags = Fcntl(fd, F_GETFL, 0);
        return flags == -1 || Fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ? Errno.Last : 0;
    }
}
