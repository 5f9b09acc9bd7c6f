using System;
using EporeX.Unix;

namespace EporeX.Linux;

/// <summary>
/// A timerfd on CLOCK_MONOTONIC (close-on-exec, non-blocking), the timer of the epoll and poll(2)
/// backends on Linux. Reading it takes the expirations since the last read or settime; settime resets the
/// count, so a new schedule drops the old one's.
/// </summary>
internal sealed unsafe class TimerFd : IDisposable
{
    private TimerFd(int fd) => Handle = new FileDescriptorHandle(fd);

    public FileDescriptorHandle Handle { get; }

    public int Fd => Handle.Fd;

    /// <exception cref="EventQueueException">timerfd_create failed (EMFILE…).</exception>
    public static TimerFd Create()
    {
        var fd = LinuxLibc.TimerFdCreate(LinuxLibc.CLOCK_MONOTONIC, LinuxLibc.TFD_CLOEXEC | LinuxLibc.TFD_NONBLOCK);
        return fd >= 0 ? new TimerFd(fd) : throw EventQueueErrors.Kernel("timerfd_create", Errno.Last);
    }

    /// <summary>First expiration after <paramref name="due"/> (zero: 1 ns, since a zero value disarms), then every <paramref name="period"/>.</summary>
    public void Set(TimeSpan due, TimeSpan? period)
    {
        var spec = default(LinuxLibc.ITimerSpec);
        var dueNs = Math.Max(1, due.Ticks * 100);
        spec.ValueSeconds = dueNs / 1_000_000_000;
        spec.ValueNanoseconds = dueNs % 1_000_000_000;
        if (period is { } p)
        {
            var periodNs = p.Ticks * 100;
            spec.IntervalSeconds = periodNs / 1_000_000_000;
            spec.IntervalNanoseconds = periodNs % 1_000_000_000;
        }

        SetTime(&spec);
    }

    public void Clear()
    {
        var spec = default(LinuxLibc.ITimerSpec);
        SetTime(&spec);
    }

    /// <summary>The expirations since the last read or settime; 0 when none (EAGAIN).</summary>
    public long Read()
    {
        using var reference = new HandleReference(Handle);
        ulong count;
        if (Libc.ReadUninterrupted(Handle.Fd, &count, sizeof(ulong)) < 0)
        {
            var errno = Errno.Last;
            return errno == Errno.EAGAIN ? 0 : throw EventQueueErrors.Kernel("read(timerfd)", Handle.Fd, errno);
        }

        return (long)Math.Min(count, long.MaxValue);
    }

    public void Dispose() => Handle.Dispose();

    private void SetTime(LinuxLibc.ITimerSpec* spec)
    {
        using var reference = new HandleReference(Handle);
        if (LinuxLibc.TimerFdSetTime(Handle.Fd, 0, spec, null) != 0)
        {
            throw EventQueueErrors.Kernel("timerfd_settime", Handle.Fd, Errno.Last);
        }
    }
}
