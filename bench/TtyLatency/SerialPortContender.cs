using System;
using System.Diagnostics;
using System.IO.Ports;

namespace EporeX.Bench.TtyLatency;

/// <summary>
/// The same round trip through <see cref="SerialPort"/> opened on the pty's slave path: Write a line, then
/// ReadLine with a ReadTimeout, the way serial-port code is usually written.
/// </summary>
internal static class SerialPortContender
{
    /// <summary>Opens a SerialPort on <paramref name="path"/>, or returns why it cannot.</summary>
    public static SerialPort? TryOpen(string path, TimeSpan timeout, out string? failure)
    {
        var port = new SerialPort(path, 115200)
        {
            NewLine = "\n",
            ReadTimeout = (int)timeout.TotalMilliseconds,
            WriteTimeout = (int)timeout.TotalMilliseconds,
        };
        try
        {
            port.Open();
            failure = null;
            return port;
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or PlatformNotSupportedException)
        {
            port.Dispose();
            failure = $"{e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    public static Latency Measure(SerialPort port, string line, int roundTrips, string id, string name)
    {
        var latency = new Latency(id, name, roundTrips);
        for (var i = 0; i < roundTrips; i++)
        {
            var start = Stopwatch.GetTimestamp();
            port.Write(line);
            var back = port.ReadLine();
            latency.Add(Stopwatch.GetTimestamp() - start);
            if (back.Length + 1 != line.Length)
            {
                throw new InvalidOperationException($"SerialPort read '{back}' for '{line.TrimEnd()}'");
            }
        }

        return latency;
    }
}
