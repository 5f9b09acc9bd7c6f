using System;

namespace EporeX.Bsd.Kqueue;

/// <summary>
/// libkqueue only (<see cref="KqueuePlatform.KeepsKnotesOfClosedDescriptors"/>): the file each registered
/// descriptor named when it was registered, so that a raw number registered again can be told apart: the
/// same file is a duplicate, another file means the old one was closed behind the library's back. Written
/// and read under the registry's lock only; grows to the highest descriptor number seen, so registering a
/// number again allocates nothing.
/// </summary>
internal sealed class DescriptorIdentities
{
    private Interop.FileIdentity[] _files = new Interop.FileIdentity[64];

    public void Set(int fd, Interop.FileIdentity file)
    {
        if (fd >= _files.Length)
        {
            Array.Resize(ref _files, Math.Max(fd + 1, _files.Length * 2));
        }

        _files[fd] = file;
    }

    public Interop.FileIdentity Get(int fd) => fd < _files.Length ? _files[fd] : Interop.FileIdentity.Unknown;

    public void Clear(int fd)
    {
        if (fd < _files.Length)
        {
            _files[fd] = Interop.FileIdentity.Unknown;
        }
    }

    /// <summary>
    /// True only when both identities are known and differ: the number names another file now. Anonymous
    /// inodes (eventfd, timerfd, epoll, signalfd) all share one inode, so a reused number among those
    /// reads as the same file: a duplicate, as poll(2) treats every case.
    /// </summary>
    public static bool IsAnotherFile(Interop.FileIdentity registered, Interop.FileIdentity now) =>
        registered.IsKnown && now.IsKnown && (registered.Device != now.Device || registered.Inode != now.Inode);
}
