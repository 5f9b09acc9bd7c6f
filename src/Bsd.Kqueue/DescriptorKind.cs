namespace EporeX.Bsd.Kqueue;

/// <summary>
/// What a descriptor in the kqueue is to the backend, where EVFILT_USER is missing and pipes stand in for
/// it: a kevent of one of its own pipes is a wake, never a user's event.
/// </summary>
internal enum DescriptorKind : byte
{
    /// <summary>A descriptor the user registered (or none).</summary>
    User = 0,

    /// <summary>The read end of the pipe that <see cref="KqueueEventQueue.Interrupt"/> writes.</summary>
    InterruptPipe = 1,

    /// <summary>The read end of a <see cref="KqueuePipeWaker"/>'s pipe.</summary>
    WakerPipe = 2,
}
