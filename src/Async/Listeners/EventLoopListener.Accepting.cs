using System;
using System.Threading;
using System.Threading.Tasks;
using EporeX.Unix;

namespace EporeX;

// Accepting: bursts until EAGAIN, delivery to the loops, and what EMFILE/ENFILE do (the spare descriptor, back-off, one warning a second).
public sealed partial class EventLoopListener
{
    private async Task AcceptLoopAsync(ListeningSocket listening)
    {
        await Task.Yield(); // the constructor returns first; accepting runs on the thread pool
        var token = _stopping.Token;
        var backoff = TimeSpan.Zero;
        try
        {
            while (true)
            {
                if (listening.Pending is { } pending)
                {
                    await _queue.Writer.WriteAsync(pending, token).ConfigureAwait(false); // waits for room
                    listening.Pending = null;
                }

                var guard = await listening.Fd.ReadableAsync(token).ConfigureAwait(false);
                switch (AcceptBurst(listening, out var errno))
                {
                    case Burst.Drained:
                        guard.ClearReady(); // the backlog is empty: wait for the next connection's edge
                        backoff = TimeSpan.Zero;
                        break;
                    case Burst.QueueFull:
                        backoff = TimeSpan.Zero;
                        break;
                    case Burst.OutOfResources:
                        // Readiness stays set, so the next round tries accept again after the pause.
                        backoff = backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _maxBackoff.Ticks));
                        Interlocked.Increment(ref _backoffs);
                        await Task.Delay(backoff, token).ConfigureAwait(false);
                        break;
                    default:
                        _fault = new EventQueueException($"accept failed with {AcceptErrors.Name(errno)}.", errno, listening.Fd.Descriptor);
                        ListenerLog.AcceptFailed(_logger, _display, AcceptErrors.Name(errno));
                        return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            if (!token.IsCancellationRequested)
            {
                _fault = e; // the group was disposed under the listener
            }
        }
        finally
        {
            listening.Pending?.Dispose();
            listening.Pending = null;
            if (!token.IsCancellationRequested)
            {
                // Ended by itself: close the socket now, not at Stop, or the kernel would go on queueing
                // connections that nobody accepts (with one socket per loop, the others take them; with
                // none left, connecting is refused).
                listening.Close();
            }

            if (Interlocked.Decrement(ref _liveAcceptLoops) == 0 && !token.IsCancellationRequested)
            {
                // Every listening socket failed (the group was disposed under the listener…): end the
                // pending AcceptAsync calls with the reason rather than leave them waiting.
                _queue.Writer.TryComplete();
            }
        }
    }

    /// <summary>Accepts until the backlog is empty, the queue is full, or an error stops it.</summary>
    private Burst AcceptBurst(ListeningSocket listening, out int errno)
    {
        using var reference = new HandleReference(listening.Socket.SafeHandle);
        var listeningFd = (int)reference.Value;
        Span<byte> peer = stackalloc byte[Libc.SockaddrStorageSize];
        var errorsInARow = 0;
        while (true)
        {
            var fd = Libc.AcceptNonBlocking(listeningFd, peer, out var peerLength, out errno);
            Interlocked.Increment(ref _acceptCalls);
            if (fd >= 0)
            {
                errorsInARow = 0;
                if (!Deliver(listening, fd, peer[..peerLength]))
                {
                    return Burst.QueueFull;
                }

                continue;
            }

            if (errno == Errno.EAGAIN)
            {
                return Burst.Drained;
            }

            if (AcceptErrors.IsListenerBroken(errno))
            {
                return Burst.Failed;
            }

            if (!AcceptErrors.IsResourceError(errno))
            {
                // That accept failed, not the listener: the next may be fine. A refusal met again and again
                // (the connection stays queued) pauses accepting rather than spin.
                if (++errorsInARow < AcceptErrors.MaxInARow)
                {
                    continue;
                }

                Warn(errno, $"accepting pauses after {AcceptErrors.MaxInARow} failed accepts in a row");
                return Burst.OutOfResources;
            }

            if (_reserve is not null && AcceptErrors.IsDescriptorLimit(errno))
            {
                var (refused, drained) = _reserve.RefusePending(listeningFd);
                Interlocked.Add(ref _refused, refused);
                Warn(errno, drained
                    ? $"closed {refused} pending connection(s) through the spare descriptor so that their peers are not left waiting"
                    : "the spare descriptor could not make room; accepting pauses");
                if (drained)
                {
                    return Burst.Drained;
                }
            }
            else
            {
                Warn(errno, "accepting pauses; pending connections wait in the backlog");
            }

            return Burst.OutOfResources;
        }
    }

    /// <summary>Wraps and queues an accepted descriptor; false when the queue is full (it is kept as pending).</summary>
    private bool Deliver(ListeningSocket listening, int fd, ReadOnlySpan<byte> peer)
    {
        AcceptedConnection connection;
        try
        {
            connection = Wrap(listening, fd, peer);
        }
        catch (Exception e)
        {
            ListenerLog.ConnectionSetupFailed(_logger, e, _display);
            return true;
        }

        Interlocked.Increment(ref _accepted);
        if (_queue.Writer.TryWrite(connection))
        {
            return true;
        }

        if (_stopping.IsCancellationRequested)
        {
            connection.Dispose(); // stopping: nobody will take it
            return true;
        }

        listening.Pending = connection;
        return false;
    }

    private AcceptedConnection Wrap(ListeningSocket listening, int fd, ReadOnlySpan<byte> peer)
    {
        // From here the handle, owned by the AsyncFd, closes the descriptor (close(2): a FIN). No Socket is
        // built around it unless asked for (AcceptedConnection.Socket): that costs six system calls.
        var owner = new FileDescriptorHandle(fd);
        try
        {
            if (_noDelay)
            {
                Libc.SetNoDelay(fd); // best effort, as Kestrel's NoDelay: a refusal leaves Nagle on
            }

            var loop = listening.ServingLoop ?? _group.Next();
            var remote = peer.IsEmpty ? null : Libc.ToEndPoint(peer, LocalEndPoint); // from accept itself: no getpeername
            return new AcceptedConnection(owner, loop.RegisterOwnedSocket(owner, Interest.Readable | Interest.Writable), LocalEndPoint, remote);
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    private void Warn(int errno, string action)
    {
        Interlocked.Increment(ref _unwarned);
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastWarning);
        if ((last != 0 && now - last < 1000) || Interlocked.CompareExchange(ref _lastWarning, now, last) != last)
        {
            return; // at most one warning a second: a listener at its limit may see this per connection
        }

        ListenerLog.OutOfResources(_logger, _display, AcceptErrors.Name(errno), Interlocked.Exchange(ref _unwarned, 0), action);
    }
}
