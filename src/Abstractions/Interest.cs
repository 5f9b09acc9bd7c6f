using System;

namespace EporeX;

/// <summary>The readiness a registration asks to be told about. At least one flag must be set.</summary>
[Flags]
public enum Interest
{
    /// <summary>Data can be read, or the peer closed its side (EPOLLIN, EVFILT_READ, POLLIN).</summary>
    Readable = 1,

    /// <summary>Data can be written (EPOLLOUT, EVFILT_WRITE, POLLOUT).</summary>
    Writable = 2,

    /// <summary>
    /// Priority data is pending: TCP out-of-band data, a sysfs attribute change, a PTY packet-mode
    /// status (EPOLLPRI, POLLPRI). A backend that cannot watch it refuses it with a
    /// <see cref="NotSupportedException"/>; see <see cref="EventQueueCapabilities.Interests"/>.
    /// </summary>
    Priority = 4,
}
