using System;
using System.Threading;

namespace EporeX;

/// <summary>
/// Bounds how long a send held for the application's batch waits (see
/// <see cref="DescriptorPipeWriter.BeginBatch"/>). Code that blocks in its read's continuation after
/// flushing (a synchronous call, a sleep between streamed events) neither returns nor waits through the
/// pipe, so what it flushed would stay held for as long as it blocks. A timer, armed only while some send
/// is held, sends any hold that has outlived a whole <see cref="Period"/>: a blocked application's answer
/// leaves one to two periods late, and the common batch, which ends in microseconds, pays one flag and,
/// once per period, one push on a list.
/// </summary>
internal static class HeldSendWatchdog
{
    /// <summary>The timer's period: a hold is sent once it has lived through a whole one.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    private static readonly Timer Timer = new(static _ => Sweep(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    private static DescriptorPipeWriter? _watched; // a stack through DescriptorPipeWriter.NextWatched: no allocation per push
    private static int _armed;
    private static int _round;

    /// <summary>Counts the sweeps: a hold stamped with it is old once two rounds have passed.</summary>
    public static int Round => Volatile.Read(ref _round);

    /// <summary>Puts <paramref name="writer"/> on the list the next sweep looks at; once per writer until that sweep takes it.</summary>
    public static void Watch(DescriptorPipeWriter writer)
    {
        var head = Volatile.Read(ref _watched);
        while (true)
        {
            writer.NextWatched = head;
            var seen = Interlocked.CompareExchange(ref _watched, writer, head);
            if (ReferenceEquals(seen, head))
            {
                break;
            }

            head = seen;
        }

        if (Volatile.Read(ref _armed) == 0 && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            Timer.Change(Period, Timeout.InfiniteTimeSpan);
        }
    }

    private static void Sweep()
    {
        var round = Interlocked.Increment(ref _round);
        Volatile.Write(ref _armed, 0); // before taking the list: a writer pushed after this arms the timer again
        var writer = Interlocked.Exchange(ref _watched, null);
        while (writer is not null)
        {
            var next = writer.NextWatched;
            writer.NextWatched = null;
            writer.Sweep(round); // sends an old hold, watches a young one again
            writer = next;
        }
    }
}
