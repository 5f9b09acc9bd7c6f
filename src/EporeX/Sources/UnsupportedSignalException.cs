using System;

namespace EporeX;

/// <summary>
/// <see cref="SignalSource"/> refuses a signal that cannot be caught (SIGKILL, SIGSTOP), that the .NET
/// runtime reserves for itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, and on Linux the
/// first real-time signals 32–34 that glibc and the runtime use), or that is out of range.
/// </summary>
public sealed class UnsupportedSignalException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedSignalException()
        : base("This signal cannot be watched.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public UnsupportedSignalException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public UnsupportedSignalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for signal number <paramref name="signalNumber"/>.</summary>
    public UnsupportedSignalException(int signalNumber, string reason)
        : base($"Signal {signalNumber} cannot be watched by a SignalSource: {reason}.", "signal")
    {
        SignalNumber = signalNumber;
    }

    /// <summary>The signal number that was refused.</summary>
    public int SignalNumber { get; }
}
