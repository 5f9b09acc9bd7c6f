using System;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Bench.TtyLatency;

/// <summary>
/// A pseudo-terminal pair: the master end (the "device" side, kept here) and the path of the slave end, a
/// tty like /dev/ttyUSB0 that any number of openers (ours, <see cref="System.IO.Ports.SerialPort"/>) can open.
/// </summary>
internal sealed class Pty : IDisposable
{
    // One slave descriptor held open for the pair's whole life: with none open, the master reports a hang-up
    // (Linux: read gives EIO, poll says POLLHUP at once), which would spin the echo peer between two openers.
    private SafeFileHandle? _keeper;

    private Pty(SafeFileHandle master, string slavePath)
    {
        Master = master;
        SlavePath = slavePath;
    }

    /// <summary>The master end, non-blocking.</summary>
    public SafeFileHandle Master { get; }

    /// <summary>The slave's path, e.g. /dev/pts/3.</summary>
    public string SlavePath { get; }

    public static unsafe Pty Open()
    {
        var fd = PtyNative.Check(PtyNative.posix_openpt(PtyNative.ORdWr | PtyNative.ONoCtty | PtyNative.OCloExec), "posix_openpt");
        var master = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            PtyNative.Check(PtyNative.grantpt(fd), "grantpt");
            PtyNative.Check(PtyNative.unlockpt(fd), "unlockpt");
            var name = stackalloc byte[256];
            var error = PtyNative.ptsname_r(fd, name, 256);
            if (error != 0)
            {
                throw new InvalidOperationException($"ptsname_r failed (error {error})");
            }

            SetNonBlocking(master);
            var length = new ReadOnlySpan<byte>(name, 256).IndexOf((byte)0);
            var pty = new Pty(master, Encoding.ASCII.GetString(name, length < 0 ? 256 : length));
            pty._keeper = pty.OpenSlave(nonBlocking: true);
            return pty;
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the slave end in raw mode (cfmakeraw: no echo, no line editing, no CR/LF translation, reads
    /// return as soon as one byte is there): a serial line, not a terminal for humans.
    /// </summary>
    public SafeFileHandle OpenSlave(bool nonBlocking)
    {
        var flags = PtyNative.ORdWr | PtyNative.ONoCtty | PtyNative.OCloExec | (nonBlocking ? PtyNative.ONonBlock : 0);
        var handle = new SafeFileHandle(PtyNative.Check(PtyNative.open(SlavePath, flags), $"open({SlavePath})"), ownsHandle: true);
        try
        {
            MakeRaw(handle);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _keeper?.Dispose();
        Master.Dispose();
    }

    public static void SetNonBlocking(SafeFileHandle handle)
    {
        var fd = (int)handle.DangerousGetHandle();
        var flags = PtyNative.Check(PtyNative.fcntl(fd, PtyNative.FGetFl, 0), "fcntl(F_GETFL)");
        PtyNative.Check(PtyNative.fcntl(fd, PtyNative.FSetFl, flags | PtyNative.ONonBlock), "fcntl(F_SETFL)");
    }

    private static unsafe void MakeRaw(SafeFileHandle handle)
    {
        var fd = (int)handle.DangerousGetHandle();
        var termios = stackalloc byte[PtyNative.TermiosSize];
        PtyNative.Check(PtyNative.tcgetattr(fd, termios), "tcgetattr");
        PtyNative.cfmakeraw(termios);
        PtyNative.Check(PtyNative.tcsetattr(fd, PtyNative.TcsaNow, termios), "tcsetattr");
    }
}
