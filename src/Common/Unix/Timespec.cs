using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// <c>struct timespec</c> as every 64-bit Unix .NET runs on lays it out (two 64-bit fields), for the waits
/// that take one (epoll_pwait2, kevent, ppoll, timerfd_settime).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    public long Seconds;
    public long Nanoseconds;

    /// <summary>A non-negative <paramref name="value"/> to the nanosecond (a tick is 100 ns, so nothing is lost).</summary>
    public static Timespec From(TimeSpan value) => new()
    {
        Seconds = value.Ticks / TimeSpan.TicksPerSecond,
        Nanoseconds = value.Ticks % TimeSpan.TicksPerSecond * 100,
    };
}
