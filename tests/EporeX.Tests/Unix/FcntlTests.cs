using EporeX.Tests.Support;
using EporeX.Unix;

namespace EporeX.Tests.Unix;

/// <summary>
/// fcntl's third argument is variadic: on Apple arm64 it must travel on the stack. These check, on the
/// OS the tests run on, that a flag set through it really reaches the kernel and can be cleared again.
/// </summary>
public sealed class FcntlTests
{
    [Fact]
    public void The_library_sets_and_clears_descriptor_and_status_flags()
    {
        Assert.Equal(0, Libc.OpenPipe(out var read, out var write, nonBlocking: false));
        try
        {
            Assert.Equal(0, Libc.SetNonBlocking(read));
            Assert.Equal(0, Libc.SetCloseOnExec(read));
            Assert.NotEqual(0, Libc.Fcntl(read, Libc.F_GETFL, 0) & Libc.O_NONBLOCK);
            Assert.NotEqual(0, Libc.Fcntl(read, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);

            Assert.NotEqual(-1, Libc.Fcntl(read, Libc.F_SETFL, Libc.Fcntl(read, Libc.F_GETFL, 0) & ~Libc.O_NONBLOCK));
            Assert.NotEqual(-1, Libc.Fcntl(read, Libc.F_SETFD, 0));
            Assert.Equal(0, Libc.Fcntl(read, Libc.F_GETFL, 0) & Libc.O_NONBLOCK);
            Assert.Equal(0, Libc.Fcntl(read, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
        }
        finally
        {
            Libc.Close(read);
            Libc.Close(write);
        }
    }

    [Fact]
    public void The_test_helpers_make_non_blocking_close_on_exec_descriptors()
    {
        var (read, write) = Native.Pipe();
        try
        {
            foreach (var fd in new[] { read, write })
            {
                Assert.NotEqual(0, Libc.Fcntl(fd, Libc.F_GETFL, 0) & Native.O_NONBLOCK);
                Assert.True(Native.IsCloseOnExec(fd));
            }
        }
        finally
        {
            Native.Close(read);
            Native.Close(write);
        }
    }
}
