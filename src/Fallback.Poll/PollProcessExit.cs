using System;
using EporeX.Linux;
using EporeX.Unix;

namespace EporeX.Fallback;

/// <summary>A pidfd in the pollfd set as a oneshot registration (Linux): readable once the process exits, reported once.</summary>
internal sealed class PollProcessExit : IDisposable
{
    private readonly PollEventQueue _queue;
    private readonly FileDescriptorHandle _pidFd;

    public PollProcessExit(PollEventQueue queue, Token token, int pid)
    {
        _queue = queue;
        _pidFd = PidFd.Open(pid);
        try
        {
            queue.RegisterSource(_pidFd.Fd, new Registration(token, Interest.Readable, PollMode.Oneshot, _pidFd), null);
        }
        catch
        {
            _pidFd.Dispose();
            throw;
        }
    }

    /// <summary>Runs under the registry's lock, so the queue cannot be closing meanwhile.</summary>
    public void Dispose()
    {
        _queue.RemoveSource(_pidFd.Fd);
        _pidFd.Dispose();
    }
}
