using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX.Samples.TtyDemo;

/// <summary>
/// What a serial-line reader needs and a .NET tty read cannot do (dotnet/runtime#801, #100308): a line
/// read that gives up after a timeout, a read cancelled by the caller, and in both cases the next line
/// still read whole afterwards.
/// </summary>
internal static class TimeoutDemo
{
    /// <param name="TimedOutAfterMs">From the read's start to its end by the timeout.</param>
    /// <param name="TimeoutTookEffectAfterMs">From the token's cancellation (the timer may fire late on a busy thread pool) to the read's end.</param>
    /// <param name="LineAfterTimeout">The next line, read whole.</param>
    /// <param name="CancelledAfterMs">From the read's start to its end by the caller's cancellation (50 ms in).</param>
    /// <param name="LineAfterCancel">The next line, read whole.</param>
    internal readonly record struct Outcome(double TimedOutAfterMs, double TimeoutTookEffectAfterMs, string LineAfterTimeout, double CancelledAfterMs, string LineAfterCancel);

    public static async Task<Outcome> RunAsync(AsyncFdTty tty, EchoPeer peer, TimeSpan timeout)
    {
        // 1. The device is silent: the read ends when the timeout fires.
        var clock = Stopwatch.StartNew();
        var cancelledAt = new StrongBox<double>(double.NaN);
        using (var timer = new CancellationTokenSource(timeout))
        using (timer.Token.UnsafeRegister(_ => Volatile.Write(ref cancelledAt.Value, clock.Elapsed.TotalMilliseconds), null))
        {
            try
            {
                var unexpected = await tty.ReadLineAsync(timer.Token).ConfigureAwait(false);
                throw new InvalidOperationException($"read \"{unexpected}\" from a silent line");
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested)
            {
            }
        }

        var timedOutAfter = clock.Elapsed.TotalMilliseconds;

        // Callbacks run newest first, so this one (registered before the read's) may still be running.
        SpinWait.SpinUntil(() => !double.IsNaN(Volatile.Read(ref cancelledAt.Value)), 1000);
        var tookEffectAfter = Math.Max(0, timedOutAfter - Volatile.Read(ref cancelledAt.Value));

        // 2. The device speaks, in two pieces: the line is read whole.
        peer.Send("status: "u8);
        peer.Send("ok\n"u8);
        var afterTimeout = await ReadWithin(tty, timeout).ConfigureAwait(false);

        // 3. The caller cancels a pending read (another task decides it is no longer needed).
        using var caller = new CancellationTokenSource();
        clock.Restart();
        var pending = tty.ReadLineAsync(caller.Token).AsTask();
        await Task.Delay(50).ConfigureAwait(false);
        caller.Cancel();
        try
        {
            var unexpected = await pending.ConfigureAwait(false);
            throw new InvalidOperationException($"read \"{unexpected}\" from a silent line");
        }
        catch (OperationCanceledException) when (caller.IsCancellationRequested)
        {
        }

        var cancelledAfter = clock.Elapsed.TotalMilliseconds;
        peer.Send(Encoding.ASCII.GetBytes("temperature: 21.5\n"));
        var afterCancel = await ReadWithin(tty, timeout).ConfigureAwait(false);
        return new Outcome(timedOutAfter, tookEffectAfter, afterTimeout, cancelledAfter, afterCancel);
    }

    private static async Task<string> ReadWithin(AsyncFdTty tty, TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource(timeout * 10);
        return await tty.ReadLineAsync(timer.Token).ConfigureAwait(false) ?? throw new InvalidOperationException("the tty ended");
    }
}
