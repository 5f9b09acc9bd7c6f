using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace EporeX;

/// <summary>
/// A POSIX signal delivered as readable events with the source's <see cref="Token"/>, counted and
/// coalesced, in the same <see cref="Poll.Wait(Events, TimeSpan?)"/> as descriptors.
/// </summary>
/// <remarks>
/// <para>Mechanism, the same on every backend: a <see cref="PosixSignalRegistration"/> whose handler counts
/// the signal and wakes the Poll through the backend's waker (eventfd, EVFILT_USER, or the poll(2) queue's
/// pipe). Linux's signalfd and kqueue's EVFILT_SIGNAL are not used: signalfd needs the signal blocked in
/// every thread, which the runtime's threads do not do, and one mechanism everywhere keeps the default
/// action rule identical.</para>
/// <para>Default action: while a SignalSource exists for a signal, its default action is suppressed
/// (the handler sets <see cref="PosixSignalContext.Cancel"/>): SIGTERM, SIGINT, SIGQUIT, SIGHUP and a
/// raw SIGUSR1 no longer end the process, SIGTSTP no longer stops it. The runtime's own work for SIGCHLD
/// (reaping the children it started), SIGCONT and SIGWINCH (the terminal) goes on regardless. Once every
/// source and registration for the signal is disposed, the default action applies again.</para>
/// <para>Counting: signals coalesce in the kernel while one is pending, so the count is a lower bound of
/// the signals sent; <see cref="Consume"/> returns how many the handler saw since the last call. Waits
/// report the token once per batch, like a <see cref="Waker"/>.</para>
/// </remarks>
public sealed class SignalSource : IDisposable
{
    private readonly Registry _registry;
    private readonly IEventQueueWaker _waker;
    private readonly PosixSignalRegistration _registration;
    private readonly Lock _gate = new();
    private int _count;
    private bool _disposed;

    /// <summary>Watches <paramref name="signal"/>: a <see cref="PosixSignal"/> value, or a raw signal number cast to it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is null.</exception>
    /// <exception cref="UnsupportedSignalException">SIGKILL, SIGSTOP, a signal the runtime reserves, or an unknown number.</exception>
    /// <exception cref="ObjectDisposedException">The Poll is disposed.</exception>
    /// <exception cref="PlatformNotSupportedException">The OS has no POSIX signals.</exception>
    public SignalSource(Registry registry, Token token, PosixSignal signal)
    {
        ArgumentNullException.ThrowIfNull(registry);
        SignalRules.Validate(signal);
        _registry = registry;
        Token = token;
        Signal = signal;
        _waker = registry.CreateWaker(token);
        try
        {
            _registration = PosixSignalRegistration.Create(signal, OnSignal);
        }
        catch
        {
            registry.DisposeWaker(_waker);
            throw;
        }
    }

    /// <summary>Watches the raw signal number <paramref name="signalNumber"/> (for example 10, SIGUSR1 on Linux).</summary>
    /// <exception cref="UnsupportedSignalException">SIGKILL, SIGSTOP, a signal the runtime reserves, or out of range.</exception>
    public SignalSource(Registry registry, Token token, int signalNumber)
        : this(registry, token, SignalRules.FromNumber(signalNumber))
    {
    }

    /// <summary>The token the signal's events carry.</summary>
    public Token Token { get; }

    /// <summary>The watched signal (a raw number appears as its value cast to <see cref="PosixSignal"/>).</summary>
    public PosixSignal Signal { get; }

    /// <summary>How many times the signal arrived since the last call; 0 when it did not.</summary>
    /// <exception cref="ObjectDisposedException">The source is disposed.</exception>
    public int Consume()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        return Interlocked.Exchange(ref _count, 0);
    }

    /// <summary>
    /// Stops watching and restores the signal's disposition when no other registration remains. No wait
    /// that starts after this returns reports the token. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _disposed, true);
        }

        _registration.Dispose();
        _registry.DisposeWaker(_waker);
    }

    /// <summary>Runs on the runtime's signal thread: count, wake, suppress the default action.</summary>
    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            Interlocked.Increment(ref _count);
            try
            {
                _waker.Wake();
            }
            catch (ObjectDisposedException)
            {
                // the Poll was disposed: nobody waits for this signal any more
            }
        }
    }
}
