using System;
using System.Net.Sockets;
using System.Threading;

namespace EporeX.FaultDriver;

/// <summary>
/// The application's side of the traffic, written as an application would: it retries EINTR and waits out
/// EAGAIN itself, so that what a run checks is the library's handling, not the driver's.
/// </summary>
internal static class Streams
{
    private const int Chunk = 8 * 1024;

    /// <summary>Sends all of <paramref name="pattern"/> on a blocking socket.</summary>
    public static void Send(Socket socket, Pattern pattern)
    {
        var buffer = new byte[Chunk];
        long sent = 0;
        while (sent < pattern.Length)
        {
            var size = (int)Math.Min(Chunk, pattern.Length - sent);
            pattern.Fill(buffer.AsSpan(0, size), sent);
            try
            {
                sent += socket.Send(buffer, 0, size, SocketFlags.None);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.Interrupted)
            {
                // the application's own send, interrupted: try again
            }
        }
    }

    /// <summary>Writes all of <paramref name="pattern"/> to a non-blocking descriptor.</summary>
    public static void Write(int fd, Pattern pattern)
    {
        var buffer = new byte[Chunk];
        long written = 0;
        while (written < pattern.Length)
        {
            var size = (int)Math.Min(Chunk, pattern.Length - written);
            pattern.Fill(buffer.AsSpan(0, size), written);
            var n = Native.Write(fd, buffer.AsSpan(0, size), out var errno);
            if (n > 0)
            {
                written += n;
            }
            else
            {
                Expect.True(errno is Native.EINTR or Native.EAGAIN, $"write(pipe) failed: errno {errno}");
                Thread.Sleep(1); // full (or an injected EAGAIN): the reader empties it
            }
        }
    }

    /// <summary>One receive on a non-blocking socket: bytes, 0 at the end, -1 when it would block.</summary>
    public static int Receive(Socket socket, byte[] buffer)
    {
        while (true)
        {
            var n = socket.Receive(buffer, 0, buffer.Length, SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                return n;
            }

            if (error == SocketError.WouldBlock)
            {
                return -1;
            }

            Expect.True(error == SocketError.Interrupted, $"recv failed: {error}");
        }
    }

    /// <summary>One read on a non-blocking descriptor: bytes, 0 at the end, -1 when it would block.</summary>
    public static int Read(int fd, byte[] buffer)
    {
        while (true)
        {
            var n = Native.Read(fd, buffer, out var errno);
            if (n >= 0)
            {
                return n;
            }

            if (errno == Native.EAGAIN)
            {
                return -1;
            }

            Expect.True(errno == Native.EINTR, $"read failed: errno {errno}");
        }
    }
}
