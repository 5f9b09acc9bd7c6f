using System;
using System.IO;
using System.Threading.Tasks;
using EporeX.Samples.TtyDemo;
using EporeX.Tests.Support;

namespace EporeX.Tests.Samples;

/// <summary>
/// The tty sample over a real pseudo-terminal pair, on every backend: a timed-out read and a cancelled read
/// both end promptly with OperationCanceledException and lose nothing (the next lines, one of them sent in
/// two pieces, are read whole), and short lines round trip through AsyncFd (both continuation modes) and,
/// where it can open the pty, SerialPort.
/// </summary>
public sealed class TtyDemoTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Lines_time_out_cancel_and_round_trip_over_a_pty(string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(), "needs posix_openpt");
        Backends.Open(backend).Dispose();
        using var pty = Pty.Open();
        using var peer = new EchoPeer(pty.Master);
        Assert.StartsWith("/dev/", pty.SlavePath, StringComparison.Ordinal);

        var report = await TtyBench.RunAsync(pty, peer, backend, roundTrips: 50, TextWriter.Null).WaitAsync(TimeSpan.FromSeconds(60));

        var demo = report.Demo;
        Assert.True(demo.TimedOutAfterMs >= 200 - 20, $"timed out after {demo.TimedOutAfterMs} ms, before its 200 ms");
        Assert.InRange(demo.TimeoutTookEffectAfterMs, 0, Waiting.Arrives.TotalMilliseconds); // (the timer itself may fire late on a busy pool)
        Assert.Equal("status: ok", demo.LineAfterTimeout);
        Assert.InRange(demo.CancelledAfterMs, 50 - 20, 50 + Waiting.Arrives.TotalMilliseconds);
        Assert.Equal("temperature: 21.5", demo.LineAfterCancel);

        Assert.True(report.Rows.Count == 3 || (report.Rows.Count == 2 && report.SerialPortFailure is not null),
            $"{report.Rows.Count} rows, SerialPort: {report.SerialPortFailure ?? "opened"}");
        foreach (var row in report.Rows)
        {
            Assert.Equal(50, row.Count);
            Assert.True(row.Percentile(50) > 0 && row.Percentile(50) <= row.Percentile(99), row.Row());
        }

        Assert.True(peer.Echoed > 0);
    }
}
