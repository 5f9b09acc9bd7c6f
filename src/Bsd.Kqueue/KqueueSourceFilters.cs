namespace EporeX.Bsd.Kqueue;

/// <summary>
/// The filters and notes the event sources use, per OS: EVFILT_PROC is −5 and EVFILT_TIMER −7 on macOS,
/// FreeBSD, OpenBSD and libkqueue, 4 and 6 on NetBSD (unsigned filters); NOTE_EXIT is 0x80000000
/// everywhere. NOTE_NSECONDS differs: 0x4 on macOS and libkqueue (kevent64's unit flags), 0x8 on FreeBSD
/// (after NOTE_SECONDS/MSECONDS/USECONDS bits), 3 on NetBSD (a unit number, not a bit); OpenBSD's timers
/// are given in milliseconds here.
/// </summary>
/// <param name="ProcFilter">EVFILT_PROC.</param>
/// <param name="TimerFilter">EVFILT_TIMER.</param>
/// <param name="NanosecondsNote">NOTE_NSECONDS, or null where timers are set in milliseconds (the default unit).</param>
/// <param name="ProcessByPidFd">
/// True on libkqueue: its EVFILT_PROC reads the exit status with waitid(WNOWAIT) when the pidfd fires, which
/// fails with ECHILD once .NET has reaped the child (or for any process that is not our child), so a pidfd
/// is watched with EVFILT_READ instead.
/// </param>
internal sealed record KqueueSourceFilters(int ProcFilter, int TimerFilter, uint? NanosecondsNote, bool ProcessByPidFd)
{
    public const uint NOTE_EXIT = 0x80000000;

    /// <summary>macOS: kevent64's unit flags.</summary>
    public static readonly KqueueSourceFilters MacOS = new(-5, -7, 0x4, ProcessByPidFd: false);

    /// <summary>FreeBSD: NOTE_NSECONDS after the NOTE_SECONDS/MSECONDS/USECONDS bits.</summary>
    public static readonly KqueueSourceFilters FreeBSD = new(-5, -7, 0x8, ProcessByPidFd: false);

    /// <summary>OpenBSD: timers in milliseconds.</summary>
    public static readonly KqueueSourceFilters OpenBSD = new(-5, -7, null, ProcessByPidFd: false);

    /// <summary>NetBSD: unsigned filters, and a unit number rather than a bit.</summary>
    public static readonly KqueueSourceFilters NetBSD = new(4, 6, 3, ProcessByPidFd: false);

    /// <summary>libkqueue: macOS's numbers; process exits through a pidfd.</summary>
    public static readonly KqueueSourceFilters LibKqueue = new(-5, -7, 0x4, ProcessByPidFd: true);

    /// <summary>The kevent data and fflags for <paramref name="nanoseconds"/>: nanoseconds where the OS takes them, else milliseconds rounded up (never early).</summary>
    public (long Data, uint Fflags) Duration(long nanoseconds) =>
        NanosecondsNote is { } note ? (System.Math.Max(1, nanoseconds), note)
        : (System.Math.Max(1, (nanoseconds + 999_999) / 1_000_000), 0);
}
