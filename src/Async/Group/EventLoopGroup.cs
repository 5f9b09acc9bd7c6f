using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace EporeX;

/// <summary>
/// N <see cref="EventLoop"/>s, each a normal loop on its own thread, for a program that wants every core:
/// <see cref="Next"/> assigns a new descriptor to one of them, and a listener
/// (<see cref="EventLoopListener"/>) spreads accepted connections over them.
/// </summary>
/// <remarks>
/// <para>The loops are independent: a descriptor lives on the loop it was registered with, and its
/// continuations run wherever that loop runs them. <see cref="Next"/> is thread-safe and allocates nothing.</para>
/// <para><see cref="Dispose"/> refuses further assignments, then disposes every loop in turn: each stops
/// and joins its thread and fails the awaits still pending on it with <see cref="ObjectDisposedException"/>.
/// The group's metrics (<see cref="EventLoopGroupMetrics"/>) stop reporting it then.</para>
/// </remarks>
public sealed class EventLoopGroup : IReadOnlyList<EventLoop>, IDisposable, IAsyncDisposable
{
    private readonly EventLoop[] _loops;
    private readonly int[] _pinnedCpus;
    private int _next = -1;
    private int _disposed;

    /// <summary>Creates the loops and starts their threads.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EventLoopGroupOptions.LoopCount"/> is negative, <see cref="EventLoopGroupOptions.EventCapacity"/> not positive, or an option is not a defined value.</exception>
    /// <exception cref="ArgumentException"><see cref="EventLoopGroupOptions.Name"/> is empty.</exception>
    /// <exception cref="EventQueueUnavailableException">The backend asked for cannot run here, or none can.</exception>
    /// <exception cref="EventQueueException">The kernel refused a queue (EMFILE…), or refused to pin a thread under <see cref="LoopThreadAffinity.Required"/>; no loop is left running.</exception>
    /// <exception cref="PlatformNotSupportedException"><see cref="LoopThreadAffinity.Required"/> off Linux.</exception>
    public EventLoopGroup(EventLoopGroupOptions? options = null)
        : this(options ?? new EventLoopGroupOptions(), containerFactory: null)
    {
    }

    /// <summary>Used by dependency injection: loops on the container's factory unless the options name their own.</summary>
    internal EventLoopGroup(EventLoopGroupOptions options, EventQueueFactory? containerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.LoopCount, nameof(options.LoopCount));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.EventCapacity, nameof(options.EventCapacity));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name, nameof(options.Name));
        if (!Enum.IsDefined(options.Assignment))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Assignment, "Unknown LoopAssignment.");
        }

        if (!Enum.IsDefined(options.Affinity))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Affinity, "Unknown LoopThreadAffinity.");
        }

        if (options.Affinity == LoopThreadAffinity.Required && !ThreadAffinity.IsSupported)
        {
            throw new PlatformNotSupportedException(ThreadAffinity.Unsupported);
        }

        Name = options.Name;
        Assignment = options.Assignment;
        var count = options.LoopCount == 0 ? Environment.ProcessorCount : options.LoopCount;
        var factory = options.Factory
            ?? (options.Backend is null ? containerFactory : null)
            ?? EventQueue.CreateFactory(new EventQueueOptions { Backend = options.Backend });

        var pin = options.Affinity != LoopThreadAffinity.None && ThreadAffinity.IsSupported;
        var cpus = pin ? ThreadAffinity.Allowed() : null;
        _pinnedCpus = new int[count];
        Array.Fill(_pinnedCpus, -1);
        var pinErrors = new int[count];
        using var started = new CountdownEvent(count);
        _loops = new EventLoop[count];
        var created = 0;
        try
        {
            for (; created < count; created++)
            {
                var index = created;
                var loopOptions = new EventLoopOptions
                {
                    InlineContinuations = options.InlineContinuations,
                    EventCapacity = options.EventCapacity,
                    ThreadName = $"{options.Name} {index}",
                };

                // The hook runs first on the loop thread: pinning is per thread, so it must be done there.
                Action onStart = cpus is null ? () => started.Signal() : () =>
                {
                    var cpu = cpus[index % cpus.Count];
                    pinErrors[index] = ThreadAffinity.PinCurrentThread(cpu);
                    _pinnedCpus[index] = pinErrors[index] == 0 ? cpu : -1;
                    started.Signal();
                };
                _loops[index] = new EventLoop(factory.CreatePoll(), loopOptions, onStart);
            }

            started.Wait(); // each loop thread signals first thing, so the affinity report is complete
            AffinityReport = Report(options.Affinity, pinErrors);
            if (options.Affinity == LoopThreadAffinity.Required && Array.IndexOf(_pinnedCpus, -1) >= 0)
            {
                var failed = Array.IndexOf(_pinnedCpus, -1);
                throw new EventQueueException($"Loop {failed} of {Name} could not be pinned to a CPU: {AffinityReport}", pinErrors[failed], -1);
            }
        }
        catch
        {
            for (var i = 0; i < created; i++)
            {
                _loops[i].Dispose();
            }

            throw;
        }

        EventLoopGroupMetrics.Track(this);
    }

    /// <summary>The group's name (<see cref="EventLoopGroupOptions.Name"/>).</summary>
    public string Name { get; }

    /// <summary>How many loops the group has.</summary>
    public int Count => _loops.Length;

    /// <summary>How <see cref="Next"/> assigns loops.</summary>
    public LoopAssignment Assignment { get; }

    /// <summary>The backend every loop runs on.</summary>
    public string Backend => _loops[0].Backend;

    /// <summary>For each loop, the CPU its thread is pinned to, or -1 when it is not pinned.</summary>
    public IReadOnlyList<int> PinnedCpus => _pinnedCpus;

    /// <summary>What was asked about CPU affinity and what was done, for a log line: "off", "loops pinned to CPUs 0, 1", or why not.</summary>
    public string AffinityReport { get; } = "off";

    /// <summary>Descriptors registered on all loops together.</summary>
    public int RegisteredCount
    {
        get
        {
            var total = 0;
            foreach (var loop in _loops)
            {
                total += loop.Count;
            }

            return total;
        }
    }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The loop at <paramref name="index"/>, 0 to <see cref="Count"/> - 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public EventLoop this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _loops.Length);
            return _loops[index];
        }
    }

    /// <summary>The loop for a new descriptor, by <see cref="Assignment"/>. Thread-safe; allocates nothing.</summary>
    /// <exception cref="ObjectDisposedException">The group is disposed.</exception>
    public EventLoop Next()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var turn = (uint)Interlocked.Increment(ref _next);
        var loops = _loops;
        var start = (int)(turn % (uint)loops.Length);
        if (Assignment == LoopAssignment.RoundRobin)
        {
            return loops[start];
        }

        // Least registered; the scan starts at the next loop in turn so that ties (an idle group, a burst)
        // still go round instead of all landing on loop 0.
        var best = loops[start];
        var fewest = best.Count;
        for (var i = 1; i < loops.Length && fewest > 0; i++)
        {
            var loop = loops[(start + i) % loops.Length];
            var count = loop.Count;
            if (count < fewest)
            {
                best = loop;
                fewest = count;
            }
        }

        return best;
    }

    /// <summary>Loops in index order.</summary>
    public IEnumerator<EventLoop> GetEnumerator() => ((IEnumerable<EventLoop>)_loops).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Refuses further <see cref="Next"/> calls, then disposes every loop: each stops and joins its thread
    /// and fails its pending awaits with <see cref="ObjectDisposedException"/>. Registered descriptors are
    /// not closed by the loops. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        EventLoopGroupMetrics.Untrack(this);
        List<Exception>? failures = null;
        foreach (var loop in _loops)
        {
            try
            {
                loop.Dispose();
            }
            catch (Exception e)
            {
                // One loop's failure must not leave the others' threads running.
                (failures ??= []).Add(e);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("Some loops of the group failed to dispose.", failures);
        }
    }

    /// <summary>As <see cref="Dispose"/>; the loop threads stop promptly, so this completes synchronously.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private string Report(LoopThreadAffinity affinity, int[] errors)
    {
        if (affinity == LoopThreadAffinity.None)
        {
            return "off";
        }

        if (!ThreadAffinity.IsSupported)
        {
            return $"{ThreadAffinity.Unsupported}; the loops run unpinned";
        }

        var parts = new string[_pinnedCpus.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = _pinnedCpus[i] >= 0 ? $"loop {i} on CPU {_pinnedCpus[i]}" : $"loop {i} unpinned (sched_setaffinity: {Unix.Errno.Name(errors[i])})";
        }

        return string.Join(", ", parts);
    }
}
