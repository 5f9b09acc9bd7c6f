using System;
using System.Diagnostics;
using System.Threading;

namespace EporeX;

/// <summary>
/// Reports, as one readable event with its <see cref="Token"/>, that a process has exited, in the same
/// <see cref="Poll.Wait(Events, TimeSpan?)"/> as descriptors.
/// </summary>
/// <remarks>
/// <para>Mechanism: pidfd_open (Linux 5.3+) on epoll and poll(2), and on kqueue over libkqueue (its
/// EVFILT_PROC cannot see a child that .NET has reaped); EVFILT_PROC with NOTE_EXIT on BSD kernels.
/// None of them reaps: a <see cref="Process"/> keeps its <see cref="Process.ExitCode"/> and
/// <see cref="Process.WaitForExit()"/> works as before.
/// <see cref="EventQueueCapabilities.ProcessExit"/> tells whether a backend can do this.</para>
/// <para>The event is reported once. A process that has already exited is reported at once: for the
/// <see cref="Process"/> overload always; for a bare pid only while the exited process is not yet reaped
/// (a zombie), since after that its id names nothing and the constructor throws
/// <see cref="ProcessNotFoundException"/>. Prefer the <see cref="Process"/> overload for children that
/// .NET started, because the runtime reaps them as soon as they exit.</para>
/// </remarks>
public sealed class ProcessExitSource : IDisposable
{
    private readonly Registry _registry;
    private readonly IDisposable _inner;
    private int _disposed;

    /// <summary>Watches process <paramref name="processId"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="processId"/> is zero or negative.</exception>
    /// <exception cref="ProcessNotFoundException">No such process (never was, or exited and reaped).</exception>
    /// <exception cref="ObjectDisposedException">The Poll is disposed.</exception>
    /// <exception cref="NotSupportedException">The backend cannot watch processes (<see cref="EventQueueCapabilities.ProcessExit"/>).</exception>
    public ProcessExitSource(Registry registry, Token token, int processId)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(processId);
        _registry = registry;
        _inner = registry.CreateProcessExit(token, processId);
        Token = token;
        ProcessId = processId;
    }

    /// <summary>
    /// Watches <paramref name="process"/>, which must have been started (or obtained by id). One that has
    /// already exited is reported at once.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> or <paramref name="process"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="process"/> has no process associated (never started).</exception>
    /// <exception cref="ObjectDisposedException">The Poll is disposed.</exception>
    /// <exception cref="NotSupportedException">The backend cannot watch processes.</exception>
    public ProcessExitSource(Registry registry, Token token, Process process)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(process);
        _registry = registry;
        Token = token;
        ProcessId = process.Id;
        if (process.HasExited)
        {
            _inner = Exited(registry, token);
            return;
        }

        IDisposable exit;
        try
        {
            exit = registry.CreateProcessExit(token, ProcessId);
        }
        catch (ProcessNotFoundException)
        {
            // The runtime reaped it between HasExited and the kernel's look-up.
            _inner = Exited(registry, token);
            return;
        }

        // Once reaped, its id may name another process: only a process exit opened before the reaping is
        // sound, and HasExited being false now proves it was opened before.
        if (process.HasExited)
        {
            registry.DisposeSource(exit);
            _inner = Exited(registry, token);
            return;
        }

        _inner = exit;
    }

    /// <summary>The token of the exit event.</summary>
    public Token Token { get; }

    /// <summary>The id of the watched process.</summary>
    public int ProcessId { get; }

    /// <summary>Stops watching. No wait that starts after this returns reports the token. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _registry.DisposeSource(_inner);
        }
    }

    /// <summary>An exit that is already known is a waker woken once.</summary>
    private static IEventQueueWaker Exited(Registry registry, Token token)
    {
        var waker = registry.CreateWaker(token);
        waker.Wake();
        return waker;
    }
}
