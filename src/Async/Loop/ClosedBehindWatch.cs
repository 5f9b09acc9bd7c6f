using System;
using System.Threading;

namespace EporeX;

/// <summary>
/// How a loop notices a descriptor it does not own closed under a pending await. The kernel forgets a
/// closed descriptor without an event, so such an await would never end; the loop therefore looks for
/// closed descriptors every <see cref="Interval"/>, but only while such awaits exist. A loop whose
/// descriptors are owned (the default), or have no await pending, sleeps in the kernel until an event.
/// </summary>
/// <remarks>
/// The first pending await wakes a loop that sleeps without a timeout, so that it starts looking. The
/// loop announces such a sleep before it reads the count, and an await counts itself before it reads the
/// announcement (both through full fences): one of the two always sees the other.
/// </remarks>
internal sealed class ClosedBehindWatch(Waker waker) : IPendingWatch
{
    /// <summary>How often the loop looks while awaits on descriptors it does not own are pending.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private int _pending;
    private int _sleepsUntilEvent;

    /// <summary>True while the loop must look now and then.</summary>
    public bool IsActive => Volatile.Read(ref _pending) > 0;

    public void Pending()
    {
        if (Interlocked.Increment(ref _pending) == 1 && Volatile.Read(ref _sleepsUntilEvent) == 1)
        {
            try
            {
                waker.Wake();
            }
            catch (ObjectDisposedException)
            {
                // the loop is gone: its Dispose fails the await
            }
        }
    }

    public void Settled() => Interlocked.Decrement(ref _pending);

    /// <summary>The loop thread, before it waits: the timeout its wait needs (null: until an event).</summary>
    public TimeSpan? BeforeWait()
    {
        Interlocked.Exchange(ref _sleepsUntilEvent, 1);
        if (Volatile.Read(ref _pending) == 0)
        {
            return null;
        }

        Volatile.Write(ref _sleepsUntilEvent, 0);
        return Interval;
    }

    /// <summary>The loop thread, after its wait.</summary>
    public void AfterWait() => Volatile.Write(ref _sleepsUntilEvent, 0);
}
