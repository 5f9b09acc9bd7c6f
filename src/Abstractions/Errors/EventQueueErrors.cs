using System;
using System.Runtime.InteropServices;
using EporeX.Unix;

namespace EporeX;

/// <summary>
/// Turns a refused operation into the typed exception every backend raises for it, so that the same
/// mistake fails the same way whatever the kernel mechanism. Part of the backend kit: the first-party
/// backends use it, and so should a third party's <see cref="IEventQueue"/>.
/// </summary>
public static class EventQueueErrors
{
    /// <summary>The descriptor is already in the queue (epoll's EEXIST).</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="backend">The backend's name, for the message.</param>
    /// <param name="errno">The kernel's errno, or 0 when the library found it itself.</param>
    public static AlreadyRegisteredException AlreadyRegistered(int fd, string backend, int errno = 0) =>
        new($"Descriptor {fd} is already registered with this {backend} queue; call Reregister to change its interest or token.", errno, fd);

    /// <summary>The descriptor is not in the queue (epoll's and kqueue's ENOENT).</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="backend">The backend's name, for the message.</param>
    /// <param name="operation">The call that was refused, for the message.</param>
    /// <param name="errno">The kernel's errno, or 0 when the library found it itself.</param>
    public static NotRegisteredException NotRegistered(int fd, string backend, string operation, int errno = 0) =>
        new($"{operation}: descriptor {fd} is not registered with this {backend} queue.", errno, fd);

    /// <summary>The number is not an open descriptor (EBADF).</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="operation">The call that was refused, for the message.</param>
    /// <param name="errno">The kernel's errno.</param>
    public static InvalidDescriptorException NotOpen(int fd, string operation, int errno) =>
        new($"{operation}: {fd} is not an open descriptor ({Describe(errno)}).", errno, fd);

    /// <summary>The kernel refuses a regular file or directory (epoll's EPERM).</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="backend">The backend's name, for the message.</param>
    /// <param name="errno">The kernel's errno.</param>
    public static UnsupportedDescriptorException RegularFile(int fd, string backend, int errno) =>
        new($"{backend} cannot watch descriptor {fd} ({Describe(errno)}): it is a regular file or a directory, which is always ready for reading and writing. Read it directly, or use the poll backend.", errno, fd);

    /// <summary>A regular file or directory that the backend refuses itself, because its kernel would never report it ready the way poll(2) does.</summary>
    public static UnsupportedDescriptorException RegularFile(int fd, string backend) =>
        new($"{backend} cannot watch descriptor {fd}: it is a regular file or a directory, which is always ready for reading and writing, and this kernel does not report it so. Read it directly, or use the poll backend.", 0, fd);

    /// <summary>The backend cannot honour <paramref name="mode"/>.</summary>
    /// <param name="mode">The mode asked for.</param>
    /// <param name="backend">The backend's name, for the message.</param>
    /// <param name="capabilities">What the backend supports, for the message.</param>
    public static NotSupportedException Mode(PollMode mode, string backend, EventQueueCapabilities capabilities) =>
        new($"The {backend} backend does not support PollMode.{mode} ({capabilities}). Edge-triggered modes need epoll or kqueue.");

    /// <summary>The backend cannot watch <paramref name="interest"/>.</summary>
    /// <param name="interest">The flags it lacks.</param>
    /// <param name="backend">The backend's name, for the message.</param>
    /// <param name="capabilities">What the backend supports, for the message.</param>
    public static NotSupportedException InterestNotSupported(Interest interest, string backend, EventQueueCapabilities capabilities) =>
        new($"The {backend} backend does not support Interest.{interest} ({capabilities}).");

    /// <summary>The general case: names the call, the descriptor and the errno.</summary>
    public static EventQueueException Kernel(string operation, int fd, int errno) =>
        errno == Errno.EBADF ? NotOpen(fd, operation, errno)
        : new EventQueueException($"{operation} failed for descriptor {fd}: {Describe(errno)}.", errno, fd);

    /// <summary>A failure that concerns no descriptor (creating the queue, for example).</summary>
    public static EventQueueException Kernel(string operation, int errno) =>
        new($"{operation} failed: {Describe(errno)}.", errno, -1);

    /// <summary>For example <c>EBADF: Bad file descriptor</c>.</summary>
    public static string Describe(int errno) => $"{Errno.Name(errno)}: {Marshal.GetPInvokeErrorMessage(errno)}";
}
