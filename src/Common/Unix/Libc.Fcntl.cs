using System.Runtime.InteropServices;

namespace EporeX.Unix;

internal static partial class Libc
{
    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int FD_CLOEXEC = 1;

    /// <summary>
    /// fcntl is variadic, and Apple's arm64 ABI passes every variadic argument on the stack, never in a
    /// register (Go's runtime/sys_darwin_arm64.s trampolines do the same): there the six unused registers
    /// x2–x7 are filled so that the argument lands in the first stack slot, where va_arg reads it.
    /// </summary>
    private static readonly bool s_variadicOnStack =
        UnixFamily.IsApple && RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    /// <summary>fcntl(fd, command, argument) with an int argument, on every ABI.</summary>
    internal static int Fcntl(int fd, int command, int argument) => s_variadicOnStack
        ? FcntlStackArgument(fd, command, 0, 0, 0, 0, 0, 0, argument)
        : FcntlRegisterArgument(fd, command, argument);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlRegisterArgument(int fd, int command, int argument);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlStackArgument(int fd, int command, nint x2, nint x3, nint x4, nint x5, nint x6, nint x7, nint argument);

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
