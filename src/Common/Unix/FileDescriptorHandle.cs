using System;
using System.Runtime.InteropServices;

namespace EporeX.Unix;

/// <summary>
/// Owns a descriptor the library opened (the epoll or kqueue descriptor, an eventfd, a wake pipe end).
/// Being a SafeHandle, a call that holds a reference across a native call can never write to a number
/// that a concurrent Dispose has closed and the kernel has handed to someone else.
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The number, for calls made while the owner keeps the handle alive.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
