using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    /// <summary>pipe2's flags are the open(2) flags, which differ per OS.</summary>
    internal static readonly int O_CLOEXEC = UnixFamily.IsLinux ? 0x80000
        : UnixFamily.IsApple ? 0x1000000
        : UnixFamily.IsFreeBSD ? 0x100000
        : 0x10000; // OpenBSD, NetBSD

    internal static readonly int O_NONBLOCK = UnixFamily.IsLinux ? 0x800 : 0x4;

    [LibraryImport(Library, EntryPoint = "pipe", SetLastError = true)]
    private static unsafe partial int PipeRaw(int* fds);

    [LibraryImport(Library, EntryPoint = "pipe2", SetLastError = true)]
    private static unsafe partial int Pipe2Raw(int* fds, int flags);

    /// <summary>
    /// Opens a pipe whose both ends are close-on-exec and, if asked, non-blocking. Uses pipe2 where libc
    /// has it (Linux, the BSDs) so that no fork can inherit the ends; macOS lacks pipe2, so there the
    /// flags are set right after pipe() with fcntl.
    /// </summary>
    /// <returns>0, or the errno.</returns>
    internal static unsafe int OpenPipe(out int readEnd, out int writeEnd, bool nonBlocking)
    {
        int* fds = stackalloc int[2];
        readEnd = writeEnd = -1;
        if (!UnixFamily.IsApple)
        {
            try
            {
                if (Pipe2Raw(fds, O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)) != 0)
                {
                    return Errno.Last;
                }

                readEnd = fds[0];
                writeEnd = fds[1];
                return 0;
            }
            catch (EntryPointNotFoundException)
            {
                // an old libc without pipe2: fall through to pipe + fcntl
            }
        }

        if (PipeRaw(fds) != 0)
        {
            return Errno.Last;
        }

        readEnd = fds[0];
        writeEnd = fds[1];
        foreach (var fd in new ReadOnlySpan<int>(fds, 2))
        {
            var error = SetCloseOnExec(fd);
            if (error == 0 && nonBlocking)
            {
                error = SetNonBlocking(fd);
            }

            if (error != 0)
            {
                Close(readEnd);
                Close(writeEnd);
                readEnd = writeEnd = -1;
                return error;
            }
        }

        return 0;
    }
}
