namespace EporeX.Bsd.Kqueue;

/// <summary>
/// The kevent flags, which every kqueue shares: the same values are in macOS's (xnu bsd/sys/event.h),
/// FreeBSD's, OpenBSD's and NetBSD's sys/sys/event.h and libkqueue's include/sys/event.h. Filters differ
/// per OS and live in <see cref="KqueuePlatform"/>.
/// </summary>
internal static class KeventFlags
{
    public const uint EV_ADD = 0x0001;
    public const uint EV_DELETE = 0x0002;
    public const uint EV_ENABLE = 0x0004;
    public const uint EV_DISABLE = 0x0008;
    public const uint EV_ONESHOT = 0x0010;
    public const uint EV_CLEAR = 0x0020;
    public const uint EV_RECEIPT = 0x0040;
    public const uint EV_ERROR = 0x4000;
    public const uint EV_EOF = 0x8000;

    /// <summary>EVFILT_USER fflags: fire the event.</summary>
    public const uint NOTE_TRIGGER = 0x01000000;

    /// <summary>FreeBSD only: EVFILT_READ/EVFILT_WRITE fflags for poll(2) semantics on regular files.</summary>
    public const uint NOTE_FILE_POLL = 0x0002;
}
