using System;
using System.Threading;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// The spare descriptor of libuv's and Netty's EMFILE technique: while it is held, one number is always
/// free to be given back, so a listener that hits the descriptor limit can still take a pending connection
/// off the backlog and close it (a clean close for the peer) rather than leave it hanging, and rather than
/// spin on a readiness that accepting cannot clear.
/// </summary>
internal sealed class ReserveDescriptor : IDisposable
{
    private const string Path = "/dev/null";

    private readonly Lock _gate = new();
    private int _fd;
    private bool _disposed;

    /// <exception cref="EventQueueException">The spare could not be opened (EMFILE already…).</exception>
    public ReserveDescriptor()
    {
        _fd = Libc.OpenReadOnly(Path, out var errno);
        if (_fd < 0)
        {
            throw new EventQueueException($"The listener's spare descriptor ({Path}) could not be opened: {Errno.Name(errno)}.", errno, -1);
        }
    }

    /// <summary>
    /// Frees the spare, accepts and closes pending connections on <paramref name="listeningFd"/> until the
    /// backlog is empty, and takes the spare again. All under a lock: the listeners of one
    /// <see cref="EventLoopListener"/> share the spare.
    /// </summary>
    /// <returns>How many connections were refused, and whether the backlog was emptied (false when the freed number was taken by another thread first, or the spare was lost earlier and is still not back).</returns>
    public (int Refused, bool Drained) RefusePending(int listeningFd)
    {
        lock (_gate)
        {
            if (_disposed || (_fd < 0 && !TryReopen()))
            {
                return (0, false);
            }

            Libc.Close(_fd);
            _fd = -1;
            var refused = 0;
            var drained = false;
            var errorsInARow = 0;
            while (true)
            {
                var fd = Libc.AcceptNonBlocking(listeningFd, out var errno);
                if (fd >= 0)
                {
                    // Closed unread: the peer sees end-of-stream (or a reset if it had sent data already).
                    Libc.Close(fd);
                    refused++;
                    errorsInARow = 0;
                    continue;
                }

                if (errno != Errno.EAGAIN && !AcceptErrors.IsListenerBroken(errno) && !AcceptErrors.IsResourceError(errno)
                    && ++errorsInARow < AcceptErrors.MaxInARow)
                {
                    continue; // that connection failed; the next may be taken
                }

                drained = errno == Errno.EAGAIN;
                break;
            }

            TryReopen();
            return (refused, drained);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true; // never reopened after this: the listener's descriptors are all closed
            if (_fd >= 0)
            {
                Libc.Close(_fd);
                _fd = -1;
            }
        }
    }

    /// <summary>Takes the spare again; it fails while the process is still at its limit, and is tried again at the next EMFILE.</summary>
    private bool TryReopen()
    {
        _fd = Libc.OpenReadOnly(Path, out _);
        return _fd >= 0;
    }
}
