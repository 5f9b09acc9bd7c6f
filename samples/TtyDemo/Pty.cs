using System;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Samples.TtyDemo;

/// <summary>A pseudo-terminal pair: a serial line without hardware.</summary>
internal static partial class Pty
{
    // The flag values differ between Linux and macOS/the BSDs.
    private static readonly int NoCtty = OperatingSystem.IsLinux() ? 0x100 : 0x20000;
    private static readonly int CloExec = OperatingSystem.IsLinux() ? 0x80000 : 0x1000000;
    private const int ReadWrite = 2;

    /// <summary>
    /// Opens a pair. The master end plays the device; the slave end, named like /dev/pts/3, is what a
    /// program opens as it would open /dev/ttyUSB0.
    /// </summary>
    public static unsafe (SafeFileHandle Master, SafeFileHandle Slave, string SlavePath) Open()
    {
        var master = new SafeFileHandle(Check(posix_openpt(ReadWrite | NoCtty | CloExec)), ownsHandle: true);
        Check(grantpt((int)master.DangerousGetHandle()));
        Check(unlockpt((int)master.DangerousGetHandle()));
        var name = stackalloc byte[256];
        if (ptsname_r((int)master.DangerousGetHandle(), name, 256) != 0)
        {
            throw new InvalidOperationException("ptsname_r failed");
        }

        var path = Encoding.ASCII.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name));
        var slave = new SafeFileHandle(Check(open(path, ReadWrite | NoCtty | CloExec)), ownsHandle: true);

        // Raw mode: no echo, no line editing, no CR/LF translation. A serial line carries bytes, not a
        // terminal session. struct termios differs between libcs, so it stays an opaque buffer here.
        var termios = stackalloc byte[256];
        Check(tcgetattr((int)slave.DangerousGetHandle(), termios));
        cfmakeraw(termios);
        Check(tcsetattr((int)slave.DangerousGetHandle(), 0 /* TCSANOW */, termios));
        return (master, slave, path);
    }

    private static int Check(int result) =>
        result != -1 ? result : throw new InvalidOperationException($"pty: {Marshal.GetLastPInvokeErrorMessage()}");

    [LibraryImport("libc", SetLastError = true)]
    private static partial int posix_openpt(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int grantpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlockpt(int fd);

    [LibraryImport("libc")]
    private static unsafe partial int ptsname_r(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int tcgetattr(int fd, byte* termios);

    [LibraryImport("libc")]
    private static unsafe partial void cfmakeraw(byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int tcsetattr(int fd, int action, byte* termios);
}
