using System;

namespace EporeX;

/// <summary>
/// <c>ProcessExitSource</c> was given a process id that names no process: it never existed, or it
/// exited and was reaped already. (A <see cref="System.Diagnostics.Process"/> that has exited is reported
/// at once instead.)
/// </summary>
public sealed class ProcessNotFoundException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public ProcessNotFoundException()
        : base("No such process.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ProcessNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ProcessNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="processId"/>.</summary>
    /// <param name="processId">The id that names no process.</param>
    /// <param name="errno">The errno the kernel gave (ESRCH), or 0.</param>
    public ProcessNotFoundException(int processId, int errno)
        : base($"No process {processId} exists (it never did, or it has exited and been reaped already); errno {errno}.", nameof(processId))
    {
        ProcessId = processId;
        Errno = errno;
    }

    /// <summary>The process id that was asked for.</summary>
    public int ProcessId { get; }

    /// <summary>The errno the kernel gave (ESRCH), or 0.</summary>
    public int Errno { get; }
}
