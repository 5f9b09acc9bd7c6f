using EporeX.Unix;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// libkqueue only (<see cref="KqueuePlatform.UserEventMasksErrno"/>): an EVFILT_USER ident is no
/// descriptor, so the EBADF of its EV_ADD stands for an eventfd libkqueue could not open. If a new
/// descriptor cannot be opened now either, that errno (EMFILE, ENFILE) is the cause.
/// </summary>
internal static class LibKqueueUserEventErrno
{
    /// <summary>Linux's F_DUPFD_CLOEXEC: libkqueue runs on Linux alone.</summary>
    private const int F_DUPFD_CLOEXEC = 1030;

    /// <summary>The errno that explains <paramref name="error"/> (EBADF): the descriptor table's, else <paramref name="error"/> itself.</summary>
    public static int Of(int kqueue, int error)
    {
        var copy = Libc.Fcntl(kqueue, F_DUPFD_CLOEXEC, 0);
        if (copy < 0)
        {
            return Errno.Last;
        }

        Libc.Close(copy);
        return error;
    }
}
