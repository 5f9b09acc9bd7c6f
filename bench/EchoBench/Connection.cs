using System.Net.Sockets;

namespace EporeX.Bench.EchoBench;

/// <summary>One accepted connection, kept in an array slot whose index is its token: no lookup, no allocation per message.</summary>
internal struct Connection
{
    public Socket? Socket;

    /// <summary>The socket's handle, read once: every receive and send goes through it.</summary>
    public SafeSocketHandle? Handle;

    /// <summary>Echo bytes that did not fit in the socket: Pending[PendingStart..PendingEnd).</summary>
    public byte[]? Pending;
    public int PendingStart;
    public int PendingEnd;

    /// <summary>Reading stopped because output was pending; the next flush must read again (edge mode).</summary>
    public bool ReadDeferred;

    public readonly bool IsOpen => Socket is not null;

    public readonly bool HasPending => PendingStart < PendingEnd;
}
