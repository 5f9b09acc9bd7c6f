using System;
using System.Runtime.InteropServices;

namespace EporeX.Bench.TtyLatency;

/// <summary>
/// The libc calls a pseudo-terminal needs. The flag values differ between Linux and macOS/the BSDs, so they
/// are picked at run time; <c>struct termios</c> differs too (60 bytes on glibc, 72 on macOS), so it is only
/// ever handled as an opaque buffer that tcgetattr fills, cfmakeraw edits and tcsetattr applies.
/// </summary>
internal static partial class PtyNative
{
    private const string Libc = "libc";

    /// <summary>Larger than every libc's <c>struct termios</c>.</summary>
    public const int TermiosSize = 256;

    public const int TcsaNow = 0;
    public const int FGetFl = 3;
    public const int FSetFl = 4;
    public const int ORdWr = 2;

    public static int ONoCtty => OperatingSystem.IsLinux() ? 0x100 : 0x20000;

    public static int ONonBlock => OperatingSystem.IsLinux() ? 0x800 : 0x4;

    public static int OCloExec => OperatingSystem.IsLinux() ? 0x80000 : 0x1000000;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_openpt(int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int grantpt(int fd);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int unlockpt(int fd);

    /// <summary>The reentrant ptsname: ptsname's static buffer is not thread-safe.</summary>
    [LibraryImport(Libc)]
    public static unsafe partial int ptsname_r(int fd, byte* buffer, nuint length);

    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int open(string path, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static unsafe partial int tcgetattr(int fd, byte* termios);

    [LibraryImport(Libc)]
    public static unsafe partial void cfmakeraw(byte* termios);

    [LibraryImport(Libc, SetLastError = true)]
    public static unsafe partial int tcsetattr(int fd, int action, byte* termios);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);

    [LibraryImport(Libc, SetLastError = true)]
    public static unsafe partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static unsafe partial nint write(int fd, byte* buffer, nuint count);

    /// <summary>Throws an <see cref="InvalidOperationException"/> naming the call and errno when <paramref name="result"/> is -1.</summary>
    public static int Check(int result, string call) =>
        result != -1 ? result : throw new InvalidOperationException($"{call} failed: {Marshal.GetLastPInvokeErrorMessage()} (errno {Marshal.GetLastPInvokeError()})");
}
