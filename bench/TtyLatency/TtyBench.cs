using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;

namespace EporeX.Bench.TtyLatency;

/// <summary>
/// The measurement: the round-trip latency of a short line through AsyncFd (thread-pool continuations,
/// then inline ones) and through SerialPort, each after a warm-up, one after the other on the same pty and
/// the same echo peer.
/// </summary>
internal static class TtyBench
{
    /// <summary>Per-line timeout during the measurement; a round trip never comes near it.</summary>
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(2);

    /// <summary>23 bytes with the '\n': the size of a typical instrument command or reply.</summary>
    private static readonly byte[] Line = "MEAS:VOLT:DC? 10,0.001\n"u8.ToArray();

    public static async Task<TtyReport> RunAsync(Pty pty, string? backend, int roundTrips, TextWriter log)
    {
        var warmUp = Math.Min(roundTrips, 200);
        var rows = new List<Latency>();
        await using (var loop = new EventLoop(new EventLoopOptions { Backend = backend }))
        {
            log.WriteLine($"backend: {loop.Backend}");
            await using var tty = new AsyncFdTty(loop, pty);
            await tty.MeasureAsync(Line, warmUp, LineTimeout, "warm-up", "warm-up").ConfigureAwait(false);
            rows.Add(await tty.MeasureAsync(Line, roundTrips, LineTimeout, "asyncfd-pool", "EporeX AsyncFd.AsStream() + PipeReader, thread-pool continuations").ConfigureAwait(false));
        }

        await using (var loop = new EventLoop(new EventLoopOptions { Backend = backend, InlineContinuations = true }))
        {
            await using var tty = new AsyncFdTty(loop, pty);
            await tty.MeasureAsync(Line, warmUp, LineTimeout, "warm-up", "warm-up").ConfigureAwait(false);
            rows.Add(await tty.MeasureAsync(Line, roundTrips, LineTimeout, "asyncfd-inline", "EporeX AsyncFd.AsStream() + PipeReader, inline continuations").ConfigureAwait(false));
        }

        var text = Encoding.ASCII.GetString(Line);
        using (var port = SerialPortContender.TryOpen(pty.SlavePath, LineTimeout, out var failure))
        {
            if (port is null)
            {
                log.WriteLine($"SerialPort cannot open the pty {pty.SlavePath}: {failure}");
                return new TtyReport(rows, failure);
            }

            log.WriteLine($"SerialPort opened the pty {pty.SlavePath} (System.IO.Ports {PortsVersion()})");
            SerialPortContender.Measure(port, text, warmUp, "warm-up", "warm-up");
            rows.Add(SerialPortContender.Measure(port, text, roundTrips, "serialport", "SerialPort Write + ReadLine (ReadTimeout 2 s)"));
        }

        return new TtyReport(rows, null);
    }

    private static string PortsVersion() =>
        typeof(System.IO.Ports.SerialPort).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";
}

internal sealed record TtyReport(List<Latency> Rows, string? SerialPortFailure)
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

    /// <summary>One line per reader for scripts and tests: <c>ROW &lt;reader&gt; round_trips=N p50_us=… p99_us=… max_us=…</c>; <c>ROW serialport unavailable</c> when it could not open the pty.</summary>
    public string MachineRows()
    {
        var text = new StringBuilder();
        foreach (var row in Rows)
        {
            text.Append(row.MachineRow()).Append('\n');
        }

        if (SerialPortFailure is not null)
        {
            text.Append("ROW serialport unavailable\n");
        }

        return text.ToString();
    }
}
