using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// Linux-only libc calls shared (as linked source) by the backends that run on Linux. A partial of its own
/// until the shared Unix interop (Libc) is linked source too; then it can join <c>Libc</c>.
/// </summary>
internal static partial class LinuxLibc
{
    public const int CLOCK_MONOTONIC = 1;
    public const int TFD_CLOEXEC = 0x80000;
    public const int TFD_NONBLOCK = 0x800;

    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    internal static partial int TimerFdCreate(int clockId, int flags);

    [LibraryImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    internal static unsafe partial int TimerFdSetTime(int fd, int flags, ITimerSpec* next, ITimerSpec* previous);

    /// <summary>struct itimerspec on 64-bit Linux: two timespecs of two longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ITimerSpec
    {
        public long IntervalSeconds;
        public long IntervalNanoseconds;
        public long ValueSeconds;
        public long ValueNanoseconds;
    }
}
