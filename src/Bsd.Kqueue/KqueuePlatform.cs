using System;
using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// Everything about one OS's kqueue that the backend needs: its <c>struct kevent</c>, its filter numbers,
/// the kevent entry point, and the extra bits that give a regular file poll(2) semantics where the OS has them. Chosen once per
/// process; the hot path reads it without branching on the OS.
/// </summary>
/// <param name="Name">For messages: <c>macOS</c>, <c>FreeBSD</c>, …</param>
/// <param name="Layout">The struct kevent of this OS.</param>
/// <param name="ReadFilter">EVFILT_READ.</param>
/// <param name="WriteFilter">EVFILT_WRITE.</param>
/// <param name="UserFilter">EVFILT_USER; null where the OS has none (then wakers are pipes).</param>
/// <param name="ReadExtraFlags">Flags added to every EVFILT_READ change (none so far).</param>
/// <param name="ReadExtraFflags">fflags of every EVFILT_READ change (FreeBSD: NOTE_FILE_POLL).</param>
/// <param name="SizeTCounts">True where kevent is NetBSD's <c>__kevent50</c> with size_t counts.</param>
/// <param name="SourceFilters">The filters and notes of timers and process exits.</param>
internal sealed record KqueuePlatform(
    string Name,
    KeventLayout Layout,
    int ReadFilter,
    int WriteFilter,
    int? UserFilter,
    uint ReadExtraFlags,
    uint ReadExtraFflags,
    bool SizeTCounts,
    KqueueSourceFilters SourceFilters)
{
    /// <summary>
    /// xnu bsd/sys/event.h: READ −1, WRITE −2, USER −10; 32-byte packed kevent. xnu's EVFILT_READ reports a
    /// regular file only while the offset is short of its end, and its poll(2) flag EV_POLL is one of the
    /// EV_SYSFLAGS that kevent strips from every change, so regular files are refused.
    /// </summary>
    public static readonly KqueuePlatform MacOS = new("macOS", KeventLayout.Compact, ReadFilter: -1, WriteFilter: -2, UserFilter: -10, ReadExtraFlags: 0, ReadExtraFflags: 0, SizeTCounts: false, KqueueSourceFilters.MacOS) { RefusesRegularFiles = true };

    /// <summary>FreeBSD ≥ 12 sys/sys/event.h: READ −1, WRITE −2, USER −11; 64-byte kevent with ext[4].</summary>
    public static readonly KqueuePlatform FreeBSD = new("FreeBSD", KeventLayout.FreeBsd, ReadFilter: -1, WriteFilter: -2, UserFilter: -11, ReadExtraFlags: 0, ReadExtraFflags: KeventFlags.NOTE_FILE_POLL, SizeTCounts: false, KqueueSourceFilters.FreeBSD);

    /// <summary>OpenBSD sys/sys/event.h: READ −1, WRITE −2, USER −10 (older releases lack it: the queue then falls back to pipes); 32-byte kevent with int64 data.</summary>
    public static readonly KqueuePlatform OpenBSD = new("OpenBSD", KeventLayout.Compact, ReadFilter: -1, WriteFilter: -2, UserFilter: -10, ReadExtraFlags: 0, ReadExtraFflags: 0, SizeTCounts: false, KqueueSourceFilters.OpenBSD);

    /// <summary>NetBSD sys/sys/event.h: filters are unsigned, READ 0, WRITE 1, USER 8; 40-byte kevent; __kevent50.</summary>
    public static readonly KqueuePlatform NetBSD = new("NetBSD", KeventLayout.NetBsd, ReadFilter: 0, WriteFilter: 1, UserFilter: 8, ReadExtraFlags: 0, ReadExtraFflags: 0, SizeTCounts: true, KqueueSourceFilters.NetBSD);

    /// <summary>
    /// libkqueue's include/sys/event.h on Linux: macOS's offsets, FreeBSD's USER −11. An emulation over
    /// epoll with differences from a BSD kernel that the backend works around (docs/articles/backends.md:
    /// "kqueue on Linux (libkqueue)"): its EVFILT_READ reports a regular file only while the offset is
    /// short of its end, and then never again (src/linux/read.c), so regular files are refused as epoll
    /// refuses them.
    /// </summary>
    public static readonly KqueuePlatform LibKqueue = new("Linux (libkqueue)", KeventLayout.Compact, ReadFilter: -1, WriteFilter: -2, UserFilter: -11, ReadExtraFlags: 0, ReadExtraFflags: 0, SizeTCounts: false, KqueueSourceFilters.LibKqueue)
    {
        Library = Interop.LibKqueueSoname,
        ShortReadDrains = false,
        KeepsSurplus = true,
        ConfirmsReadEof = true,
        RefusesRegularFiles = true,
        AddKeepsKnote = true,
        MaxWaitMilliseconds = int.MaxValue,
        KeepsKnotesOfClosedDescriptors = true,
        FreesOnCloseAsynchronously = true,
        UserEventMasksErrno = true,
    };

    /// <summary>The shared library kqueue and kevent come from; null for the C library (the kernel's own kqueue).</summary>
    public string? Library { get; init; }

    /// <summary>
    /// True where a read shorter than asked proves the descriptor drained, as a BSD kernel's knote does
    /// (<see cref="EventQueueCapabilities.ShortReadDrains"/>); false over libkqueue's emulation of it.
    /// </summary>
    public bool ShortReadDrains { get; init; } = true;

    /// <summary>
    /// libkqueue: a kevent list shorter than twice the ready descriptors loses what does not fit, so every
    /// wait asks for libkqueue's maximum and keeps what the caller's buffer cannot take (<see cref="LibKqueueSurplus"/>).
    /// What it drops relies on <see cref="AddKeepsKnote"/>: every change re-adds its knotes, which report afresh.
    /// </summary>
    public bool KeepsSurplus { get; init; }

    /// <summary>
    /// libkqueue: a stream socket's EV_EOF may only mean an empty queue, so a read-closed is confirmed with
    /// the socket before it is reported (<see cref="LibKqueueReadEof"/>).
    /// </summary>
    public bool ConfirmsReadEof { get; init; }

    /// <summary>True where EVFILT_READ cannot report a regular file always readable: the queue refuses such descriptors.</summary>
    public bool RefusesRegularFiles { get; init; }

    /// <summary>
    /// libkqueue: EV_ADD on an existing knote changes neither its udata nor its EV_CLEAR/EV_ONESHOT unless
    /// EV_CLEAR is set (src/linux/read.c and write.c kn_modify refuse the change, and kevent_copyin_one
    /// copies udata only after a kn_modify that succeeded), so events would keep the old token. Every
    /// change of a filter that exists is sent as EV_DELETE then EV_ADD in the same kevent call instead.
    /// A BSD kernel replaces udata on EV_ADD (kqueue_register), so it gets a lone EV_ADD.
    /// </summary>
    public bool AddKeepsKnote { get; init; }

    /// <summary>
    /// The longest timeout one kevent call honours, in milliseconds; null where any timespec is honoured.
    /// libkqueue computes <c>int timeout = 1000 * tv_sec + tv_nsec / 1000000</c> for epoll_wait
    /// (src/linux/platform.c linux_kevent_wait), which wraps beyond 2³¹ − 1 ms: longer waits are split.
    /// </summary>
    public long? MaxWaitMilliseconds { get; init; }

    /// <summary>
    /// libkqueue keeps the knotes of a descriptor closed without EV_DELETE (only epoll forgets it), so the
    /// kernel cannot say whether a raw number still names the registered file: the backend compares the
    /// file's identity (device and inode, by statx) with the one it recorded at registration.
    /// </summary>
    public bool KeepsKnotesOfClosedDescriptors { get; init; }

    /// <summary>
    /// libkqueue frees a kqueue's own descriptors (its epoll, the read end of its close-detection pipe,
    /// one eventfd per EVFILT_USER knote) on its monitoring thread some time after close(); the backend
    /// asks it to finish (libkqueue_drain_pending_close) so that Dispose has closed them all on return.
    /// </summary>
    public bool FreesOnCloseAsynchronously { get; init; }

    /// <summary>
    /// libkqueue opens an eventfd for every EVFILT_USER knote, and when that fails it calls close(-1)
    /// before returning (src/linux/user.c linux_evfilt_user_knote_create), so the receipt says EBADF
    /// instead of EMFILE or ENFILE. The backend then asks the descriptor table itself (a dup of the kqueue).
    /// </summary>
    public bool UserEventMasksErrno { get; init; }

    /// <summary>The platform of this process, or null where no kqueue is known (or the process is not 64-bit).</summary>
    public static readonly KqueuePlatform? Current = Environment.Is64BitProcess ? For(UnixFamily.Current) : null;

    /// <summary>Why <see cref="Current"/> is null.</summary>
    public static string Unavailable =>
        !Environment.Is64BitProcess ? "kqueue: only 64-bit processes are supported (struct kevent layouts are 64-bit)"
        : $"kqueue: not available on {RuntimeInformation.OSDescription}";

    /// <summary>
    /// The platform of <paramref name="family"/> (<see cref="UnixFamily"/>): Apple's systems share xnu's
    /// kqueue; Linux has libkqueue; null where no kqueue is known (Android, DragonFly so far).
    /// </summary>
    public static KqueuePlatform? For(string? family) => family switch
    {
        UnixFamily.Apple => MacOS,
        UnixFamily.FreeBSD => FreeBSD,
        UnixFamily.OpenBSD => OpenBSD,
        UnixFamily.NetBSD => NetBSD,
        UnixFamily.Linux => LibKqueue,
        _ => null,
    };
}
