using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>The first promise of AsyncFd on every backend: an await that has to wait is completed by the loop.</summary>
public sealed class AsyncFdBasicTests
{
    [SkippableTheory]
    [MemberData(nameof(AsyncLoops.AllWithModes), MemberType = typeof(AsyncLoops))]
    public async Task A_read_that_waits_completes_when_the_pipe_is_written(string backend, bool inline)
    {
        using var loop = AsyncLoops.Open(backend, inline);
        var (r, w) = Native.Pipe();
        try
        {
            using var fd = loop.Register(r, Interest.Readable);
            var buffer = new byte[16];
            var read = fd.ReadAsync(buffer);
            Assert.False(read.IsCompleted);

            Assert.Equal(5, Native.WriteBytes(w, 5));
            Assert.Equal(5, await AsyncLoops.Within(read));
        }
        finally
        {
            Native.Close(r);
            Native.Close(w);
        }
    }
}
