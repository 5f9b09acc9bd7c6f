using System;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>A non-blocking pipe whose ends the test closes on Dispose (unless it closed them itself).</summary>
public sealed class TestPipe : IDisposable
{
    public TestPipe() => (Read, WriteEnd) = Native.Pipe();

    public int Read { get; private set; }

    public int WriteEnd { get; private set; }

    public void Write(int count)
    {
        if (Native.WriteBytes(WriteEnd, count) != count)
        {
            throw new InvalidOperationException($"the pipe took fewer than {count} bytes");
        }
    }

    /// <summary>Reads everything the pipe holds, without the library.</summary>
    public int Drain() => Native.ReadAll(Read);

    public void CloseWriter()
    {
        Native.Close(WriteEnd);
        WriteEnd = -1;
    }

    public void CloseReader()
    {
        Native.Close(Read);
        Read = -1;
    }

    public void Dispose()
    {
        if (Read >= 0)
        {
            Native.Close(Read);
        }

        if (WriteEnd >= 0)
        {
            Native.Close(WriteEnd);
        }

        Read = WriteEnd = -1;
    }
}
