using System;
using System.IO;

namespace EporeX;

/// <summary>
/// The base of every error the event queue raises for a descriptor or a kernel call. Argument mistakes
/// (a null handle, a negative descriptor or timeout, an empty interest) are the usual
/// <see cref="ArgumentException"/> family instead, use after dispose is <see cref="ObjectDisposedException"/>,
/// and an interest or mode the backend cannot honour is <see cref="NotSupportedException"/>.
/// </summary>
public class EventQueueException : IOException
{
    /// <summary>Creates an exception with a message.</summary>
    public EventQueueException()
        : this("The event queue failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public EventQueueException(string message)
        : this(message, 0, -1)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public EventQueueException(string message, Exception innerException)
        : base(message, innerException)
    {
        Descriptor = -1;
    }

    /// <summary>Creates an exception for a descriptor and the errno the kernel gave.</summary>
    /// <param name="message">What failed and why, for a person.</param>
    /// <param name="errno">The errno the kernel returned, or 0 when the library itself refused.</param>
    /// <param name="descriptor">The descriptor concerned, or -1.</param>
    public EventQueueException(string message, int errno, int descriptor)
        : base(message)
    {
        Errno = errno;
        Descriptor = descriptor;
        HResult = errno == 0 ? HResult : errno;
    }

    /// <summary>The errno the kernel returned, or 0 when the library refused by itself.</summary>
    public int Errno { get; }

    /// <summary>The descriptor concerned, or -1.</summary>
    public int Descriptor { get; }
}

/// <summary>The descriptor is already registered with this queue. Use <c>Registry.Reregister</c> to change it.</summary>
public sealed class AlreadyRegisteredException : EventQueueException
{
    /// <summary>Creates the exception.</summary>
    public AlreadyRegisteredException()
        : base("The descriptor is already registered.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AlreadyRegisteredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public AlreadyRegisteredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a descriptor.</summary>
    public AlreadyRegisteredException(string message, int errno, int descriptor)
        : base(message, errno, descriptor)
    {
    }
}

/// <summary>The descriptor is not registered with this queue (never was, or was deregistered).</summary>
public sealed class NotRegisteredException : EventQueueException
{
    /// <summary>Creates the exception.</summary>
    public NotRegisteredException()
        : base("The descriptor is not registered.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public NotRegisteredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public NotRegisteredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a descriptor.</summary>
    public NotRegisteredException(string message, int errno, int descriptor)
        : base(message, errno, descriptor)
    {
    }
}

/// <summary>The number is not an open descriptor (EBADF).</summary>
public sealed class InvalidDescriptorException : EventQueueException
{
    /// <summary>Creates the exception.</summary>
    public InvalidDescriptorException()
        : base("The descriptor is not open.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidDescriptorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public InvalidDescriptorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a descriptor.</summary>
    public InvalidDescriptorException(string message, int errno, int descriptor)
        : base(message, errno, descriptor)
    {
    }
}

/// <summary>
/// The backend cannot watch this kind of descriptor: epoll refuses regular files and directories (EPERM),
/// because they are always ready. Read such a file directly, or use the poll(2) backend.
/// </summary>
public sealed class UnsupportedDescriptorException : EventQueueException
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedDescriptorException()
        : base("The backend cannot watch this kind of descriptor.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public UnsupportedDescriptorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public UnsupportedDescriptorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a descriptor.</summary>
    public UnsupportedDescriptorException(string message, int errno, int descriptor)
        : base(message, errno, descriptor)
    {
    }
}
