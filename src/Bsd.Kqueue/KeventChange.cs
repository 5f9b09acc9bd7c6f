namespace EporeX.Bsd.Kqueue;

/// <summary>One entry of a change list, before it is written in the OS's layout.</summary>
/// <param name="Filter">EVFILT_READ or EVFILT_WRITE of the platform.</param>
/// <param name="Flags">EV_ADD or EV_DELETE with the mode's flags, always with EV_RECEIPT.</param>
/// <param name="Fflags">Filter flags (FreeBSD's NOTE_FILE_POLL on EVFILT_READ).</param>
/// <param name="MayBeMissing">An ENOENT receipt is expected and fine: deleting a oneshot filter that has fired.</param>
internal readonly record struct KeventChange(int Filter, uint Flags, uint Fflags, bool MayBeMissing)
{
    public bool IsDelete => (Flags & KeventFlags.EV_DELETE) != 0;
}
