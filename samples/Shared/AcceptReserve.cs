using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EporeX.Samples;

/// <summary>
/// How a server outlives running out of descriptors: it keeps headroom for the .NET runtime, and uses
/// libuv's reserve-descriptor technique (<c>uv__emfile_trick</c>, as Netty and nginx do) when accept fails.
/// </summary>
/// <remarks>
/// <para>Headroom: a .NET process with no descriptor left cannot start a thread either (the runtime opens
/// descriptors for a new thread, and dies with "Out of memory." when it cannot), and the thread pool starts
/// threads whenever it likes. So a connection accepted into one of the last <see cref="Headroom"/>
/// descriptor numbers below the limit (RLIMIT_NOFILE, read at each accept: it may change while the server
/// runs) is closed at once (<see cref="Admit"/>): the kernel hands out the lowest free number, so that
/// connection proves fewer than <see cref="Headroom"/> are left. Once others have left, new connections get
/// lower numbers and are served again.</para>
/// <para>Reserve: if accept fails anyway (EMFILE; ENFILE for the whole system), one spare descriptor
/// (/dev/null) held from the start is closed, every pending connection is accepted and closed, so that each
/// peer sees a clean close (end of stream, or a reset if it had sent data) instead of waiting in the backlog
/// for a server that cannot take it, and the spare is opened again (<see cref="Exhausted"/>). The listener is
/// then drained, so a level-triggered wait does not spin.</para>
/// </remarks>
internal sealed partial class AcceptReserve : IDisposable
{
    /// <summary>How many descriptor numbers below the limit are left to the runtime.</summary>
    public const int Headroom = 8;

    private const int RLIMIT_NOFILE = 7;
    private SafeFileHandle? _spare = OpenSpare();

    /// <summary>True for the accept errors that mean no descriptor is free: EMFILE (the process) and ENFILE (the system).</summary>
    public static bool IsExhaustion(SocketException e) =>
        e.SocketErrorCode == SocketError.TooManyOpenSockets || e.NativeErrorCode == 23 /* ENFILE */;

    /// <summary>
    /// True when the server may keep <paramref name="accepted"/>; false when it took one of the last
    /// descriptors, and has been closed (the peer sees the close).
    /// </summary>
    public static bool Admit(Socket accepted)
    {
        var fd = (long)accepted.SafeHandle.DangerousGetHandle();
        if (SoftLimit() is not { } limit || fd < limit - Headroom)
        {
            return true;
        }

        accepted.Dispose();
        return false;
    }

    /// <summary>Called when accept on the non-blocking <paramref name="listener"/> failed with exhaustion: sheds the pending connections through the spare.</summary>
    /// <returns>How many were closed.</returns>
    public int Exhausted(Socket listener)
    {
        _spare?.Dispose();
        _spare = null;
        try
        {
            return Shed(listener);
        }
        finally
        {
            _spare = OpenSpare();
        }
    }

    public void Dispose() => _spare?.Dispose();

    private static int Shed(Socket listener)
    {
        var shed = 0;
        while (true)
        {
            Socket refused;
            try
            {
                refused = listener.Accept();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.Interrupted)
            {
                continue;
            }
            catch (SocketException)
            {
                return shed; // drained (EAGAIN), or still no descriptor at all: the next readiness tries again
            }

            refused.Dispose();
            shed++;
        }
    }

    private static SafeFileHandle? OpenSpare()
    {
        try
        {
            return System.IO.File.OpenHandle("/dev/null", System.IO.FileMode.Open, System.IO.FileAccess.Read);
        }
        catch (System.IO.IOException)
        {
            return null; // none free now: taken again after the next exhaustion
        }
    }

    private static unsafe long? SoftLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        RLimit limit;
        return GetRLimit(RLIMIT_NOFILE, &limit) == 0 && limit.Current < long.MaxValue ? (long)limit.Current : null;
    }

    // RLIMIT_NOFILE is Linux's 7 (8 on macOS and the BSDs, where the headroom rule is not applied).
    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static unsafe partial int GetRLimit(int resource, RLimit* limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
