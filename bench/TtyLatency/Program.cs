using System;
using System.Globalization;
using EporeX.Samples.TtyDemo;

// A serial line without hardware: a pseudo-terminal pair. Our side opens the slave end (a tty, as
// /dev/ttyUSB0 would be) through an EporeX AsyncFd; an echo peer plays the device on the master end.
// It shows a line read that times out, one the caller cancels, and the next lines still read whole; then
// the round-trip latency of a short line, beside System.IO.Ports.SerialPort opened on the same pty.
// Default: 1,000 round trips per reader (a few seconds); --measure [N] for the 10,000 of docs/articles/performance.md.
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
            Console.Error.WriteLine("usage: TtyDemo [--measure [ROUND_TRIPS (default 10000)]] [--backend epoll|kqueue|poll|auto]");
            return 2;
    }
}

if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
{
    Console.Error.WriteLine("TtyDemo needs a Unix pseudo-terminal (posix_openpt)");
    return 1;
}

using var pty = Pty.Open();
using var peer = new EchoPeer(pty.Master);
Console.WriteLine($"pty: slave {pty.SlavePath} (raw mode), the echo peer on the master end");

var report = await TtyBench.RunAsync(pty, peer, backend, roundTrips, Console.Out);
Console.WriteLine();
Console.WriteLine(report.Table());
return 0;
