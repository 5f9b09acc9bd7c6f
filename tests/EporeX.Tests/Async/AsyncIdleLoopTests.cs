using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Async;

/// <summary>
/// An idle loop sleeps in the kernel: nothing wakes it but events. Counted as the loop thread's voluntary
/// context switches (/proc/self/task/TID/status), which a timer of any period would raise. Serial: a
/// thousand pipes each, and nothing else should share the measurement's minutes.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class AsyncIdleLoopTests(ITestOutputHelper output)
{
    private const int Descriptors = 1_000;

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_thousand_owned_descriptors_with_pending_awaits_do_not_wake_an_idle_loop(string backend)
    {
        var wakeUps = await IdleWakeUps(backend, leaveOpen: false, awaitAll: true, TimeSpan.FromSeconds(5));
        Assert.True(wakeUps <= 2, $"the idle loop woke {wakeUps} times in 5 s");
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Descriptors_left_open_without_pending_awaits_do_not_wake_an_idle_loop(string backend)
    {
        // leaveOpen registrations are looked at for a close behind the library only while an await is pending.
        var wakeUps = await IdleWakeUps(backend, leaveOpen: true, awaitAll: false, TimeSpan.FromSeconds(2));
        Assert.True(wakeUps <= 2, $"the idle loop woke {wakeUps} times in 2 s");
    }

    private async Task<long> IdleWakeUps(string backend, bool leaveOpen, bool awaitAll, TimeSpan idle)
    {
        Skip.IfNot(Directory.Exists("/proc/self/task"), "context switches are read from /proc/self/task (Linux)");
        var name = $"idle-{backend}-{Environment.TickCount64 % 10000}";
        using var loop = new EventLoop(Backends.Open(backend), new EventLoopOptions { ThreadName = name });
        var writers = new List<int>();
        var fds = new List<AsyncFd>();
        var reads = new List<Task<int>>();
        try
        {
            for (var i = 0; i < Descriptors; i++)
            {
                var (r, w) = Native.Pipe();
                writers.Add(w);
                var fd = loop.Register(r, Interest.Readable, leaveOpen);
                fds.Add(fd);
                if (awaitAll)
                {
                    reads.Add(fd.ReadAsync(new byte[1]).AsTask());
                }
            }

            var tid = LoopThread(name);
            await Task.Delay(500); // the registrations' own wake-ups (poll(2) rebuilds its set) are over
            var before = VoluntarySwitches(tid);
            await Task.Delay(idle);
            var wakeUps = VoluntarySwitches(tid) - before;
            output.WriteLine($"{backend}: {Descriptors} registered ({(leaveOpen ? "left open" : "owned")}, {reads.Count} awaits pending), {wakeUps} voluntary context switches of the loop thread in {idle.TotalSeconds} s");
            Assert.All(reads, read => Assert.False(read.IsCompleted));

            // Still alive: readiness wakes it at once.
            foreach (var i in new[] { 0, Descriptors / 2, Descriptors - 1 })
            {
                Native.WriteBytes(writers[i], 1);
                var n = awaitAll ? await reads[i].WaitAsync(AsyncLoops.Patience) : await AsyncLoops.Within(fds[i].ReadAsync(new byte[1]));
                Assert.Equal(1, n);
            }

            return wakeUps;
        }
        finally
        {
            foreach (var fd in fds)
            {
                var descriptor = fd.Descriptor;
                fd.Dispose();
                if (leaveOpen)
                {
                    Native.Close(descriptor);
                }
            }

            writers.ForEach(w => Native.Close(w));
        }
    }

    /// <summary>The kernel's id of the thread named <paramref name="name"/> (its first 15 characters, as comm keeps them).</summary>
    private static string LoopThread(string name)
    {
        var comm = name.Length > 15 ? name[..15] : name;
        var tid = Directory.GetDirectories("/proc/self/task")
            .FirstOrDefault(task => { try { return File.ReadAllText(Path.Combine(task, "comm")).Trim() == comm; } catch (IOException) { return false; } });
        Assert.True(tid is not null, $"no thread named {comm}");
        return tid;
    }

    private static long VoluntarySwitches(string task)
    {
        foreach (var line in File.ReadLines(Path.Combine(task, "status")))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                return long.Parse(line["voluntary_ctxt_switches:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no voluntary_ctxt_switches in {task}/status");
    }
}
