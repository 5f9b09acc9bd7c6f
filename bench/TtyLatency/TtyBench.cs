using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;

namespace EporeX.Samples.TtyDemo;

/// <summary>
/// The sample's run: the timeout and cancellation demonstration, then the round-trip latency of a short
/// line through AsyncFd (thread-pool continuations, then inline ones) and through SerialPort, each after a
/// warm-up, one after the other on the same pty and the same echo peer.
/// </summary>
internal static class TtyBench
{
    /// <summary>Per-line timeout during the measurement; a round trip never comes near it.</summary>
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan DemoTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>23 bytes with the '\n': the size of a typical instrument command or reply.</summary>
    private static readonly byte[] Line = "MEAS:VOLT:DC? 10,0.001\n"u8.ToArray();

    public static async Task<TtyReport> RunAsync(Pty pty, EchoPeer peer, string? backend, int roundTrips, TextWriter log)
    {
        var warmUp = Math.Min(roundTrips, 200);
        var rows = new List<Latency>();
        TimeoutDemo.Outcome demo;
        await using (var loop = new EventLoop(new EventLoopOptions { Backend = backend }))
        {
            await using var tty = new AsyncFdTty(loop, pty);
            demo = await TimeoutDemo.RunAsync(tty, peer, DemoTimeout).ConfigureAwait(false);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"timeout {DemoTimeout.TotalMilliseconds} ms on a silent line: OperationCanceledException after {demo.TimedOutAfterMs:F1} ms; next line read whole: \"{demo.LineAfterTimeout}\""));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"caller's Cancel() 50 ms into a read: OperationCanceledException after {demo.CancelledAfterMs:F1} ms; next line: \"{demo.LineAfterCancel}\""));
            await tty.MeasureAsync(Line, warmUp, LineTimeout, "warm-up").ConfigureAwait(false);
            rows.Add(await tty.MeasureAsync(Line, roundTrips, LineTimeout, "EporeX AsyncFd.AsStream() + PipeReader, thread-pool continuations").ConfigureAwait(false));
        }

        await using (var loop = new EventLoop(new EventLoopOptions { Backend = backend, InlineContinuations = true }))
        {
            await using var tty = new AsyncFdTty(loop, pty);
            await tty.MeasureAsync(Line, warmUp, LineTimeout, "warm-up").ConfigureAwait(false);
            rows.Add(await tty.MeasureAsync(Line, roundTrips, LineTimeout, "EporeX AsyncFd.AsStream() + PipeReader, inline continuations").ConfigureAwait(false));
        }

        var text = Encoding.ASCII.GetString(Line);
        using (var port = SerialPortContender.TryOpen(pty.SlavePath, LineTimeout, out var failure))
        {
            if (port is null)
            {
                log.WriteLine($"SerialPort cannot open the pty {pty.SlavePath}: {failure}");
                return new TtyReport(demo, rows, failure);
            }

            log.WriteLine($"SerialPort opened the pty {pty.SlavePath} (System.IO.Ports {PortsVersion()})");
            SerialPortContender.Measure(port, text, warmUp, "warm-up");
            rows.Add(SerialPortContender.Measure(port, text, roundTrips, "SerialPort Write + ReadLine (ReadTimeout 2 s)"));
        }

        return new TtyReport(demo, rows, null);
    }

    private static string PortsVersion() =>
        typeof(System.IO.Ports.SerialPort).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";
}

internal sealed record TtyReport(TimeoutDemo.Outcome Demo, List<Latency> Rows, string? SerialPortFailure)
{
    public string Table()
    {
        var text = new StringBuilder(Latency.Header).Append('\n');
        foreach (var row in Rows)
        {
            text.Append(row.Row()).Append('\n');
        }

        if (SerialPortFailure is not null)
        {
            text.Append("| SerialPort | cannot open a pty: ").Append(SerialPortFailure).Append(" | | | |\n");
        }

        return text.ToString();
    }
}
