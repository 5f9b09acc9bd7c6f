using System;
using System.Globalization;
using EporeX.Bench.TtyLatency;

// The round-trip latency of a short line over a serial line without hardware, a pseudo-terminal pair:
// our side opens the slave end (a tty, as /dev/ttyUSB0 would be) through an EporeX AsyncFd, then through
// System.IO.Ports.SerialPort; an echo peer plays the device on the master end. (samples/TtyDemo shows the
// same pty read with a timeout and a cancellation, for a reader.)
// Default: 1,000 round trips per reader (a few seconds); --measure [N] for the 10,000 of docs/articles/performance.md.
// After the table, one "ROW <reader> round_trips=N p50_us=… p99_us=… max_us=…" line per reader, for scripts and tests.
var roundTrips = 1_000;
string? backend = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--measure":
            roundTrips = 10_000;
            if (i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 10_000_000)
            {
                roundTrips = n;
                i++;
            }

            break;
        case "--backend" when i + 1 < args.Length:
            backend = args[++i];
            break;
        default:
            Console.Error.WriteLine("usage: TtyLatency [--measure [ROUND_TRIPS (default 10000)]] [--backend epoll|kqueue|poll|auto]");
            return 2;
    }
}

if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
{
    Console.Error.WriteLine("TtyLatency needs a Unix pseudo-terminal (posix_openpt)");
    return 1;
}

using var pty = Pty.Open();
using var peer = new EchoPeer(pty.Master);
Console.WriteLine($"pty: slave {pty.SlavePath} (raw mode), the echo peer on the master end; {roundTrips:N0} round trips per reader");

var report = await TtyBench.RunAsync(pty, backend, roundTrips, Console.Out);
Console.WriteLine();
Console.WriteLine(report.Table());
Console.Write(report.MachineRows());
return 0;
