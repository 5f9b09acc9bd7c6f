using System;

namespace EporeX;

/// <summary>
/// What an <see cref="Event"/> reports, with mio's meanings. The event-flag table of the manual's backends
/// article (docs/articles/backends.md) gives, per backend, which kernel flags produce each bit.
/// </summary>
[Flags]
public enum Readiness : ushort
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>A read will not block (it may return data, end of stream, or an error).</summary>
    Readable = 1,

    /// <summary>A write will not block (it may succeed, or return an error).</summary>
    Writable = 2,

    /// <summary>The descriptor has an error pending (for a socket: read it with SO_ERROR).</summary>
    Error = 4,

    /// <summary>The read half is closed: the peer shut down its writing side or closed, or the pipe's writers are gone.</summary>
    ReadClosed = 8,

    /// <summary>The write half is closed: the peer is gone or the pipe's readers are gone; a write would fail.</summary>
    WriteClosed = 16,

    /// <summary>Priority data is pending (EPOLLPRI, POLLPRI).</summary>
    Priority = 32,
}
