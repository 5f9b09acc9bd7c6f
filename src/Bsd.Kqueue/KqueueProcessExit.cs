using System;
using EporeX.Linux;
using EporeX.Unix;
using static EporeX.Bsd.Kqueue.KeventFlags;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// Watches a process exit: EVFILT_PROC with NOTE_EXIT (oneshot) on BSD kernels, which neither reaps nor
/// needs the process to be our child; on libkqueue a pidfd watched by EVFILT_READ, oneshot (see
/// <see cref="KqueueSourceFilters.ProcessByPidFd"/>).
/// </summary>
internal sealed class KqueueProcessExit : IDisposable
{
    private readonly KqueueEventQueue _queue;
    private readonly int _pid;
    private readonly FileDescriptorHandle? _pidFd;
    private readonly Registration _registration;

    public KqueueProcessExit(KqueueEventQueue queue, Token token, int pid)
    {
        _queue = queue;
        _pid = pid;
        if (queue.SourceFilters.ProcessByPidFd)
        {
            _pidFd = PidFd.Open(pid);
            _registration = new Registration(token, Interest.Readable, PollMode.Oneshot, _pidFd);
            try
            {
                queue.Register(_pidFd.Fd, _registration);
            }
            catch
            {
                _pidFd.Dispose();
                throw;
            }

            return;
        }

        var error = queue.ApplyOne((ulong)pid, queue.SourceFilters.ProcFilter, EV_ADD | EV_ONESHOT | EV_RECEIPT, KqueueSourceFilters.NOTE_EXIT, token.Value);
        if (error != 0)
        {
            throw error == Errno.ESRCH ? new ProcessNotFoundException(pid, error) : EventQueueErrors.Kernel($"kevent(EV_ADD, EVFILT_PROC {pid})", error);
        }
    }

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        if (_pidFd is null)
        {
            if (!_queue.IsClosed)
            {
                _queue.ApplyOne((ulong)_pid, _queue.SourceFilters.ProcFilter, EV_DELETE | EV_RECEIPT, 0, 0); // ENOENT once it fired
            }

            return;
        }

        if (!_queue.IsClosed)
        {
            try
            {
                _queue.Deregister(_pidFd.Fd, _registration);
            }
            catch (EventQueueException)
            {
                // a fired oneshot may be gone from the kernel already
            }
        }

        _pidFd.Dispose();
    }
}
