using System;
using System.Diagnostics;
using System.Linq;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Reliability;

/// <summary>Every descriptor the library opens is close-on-exec and is closed again, also when creation fails half way.</summary>
[Collection(SerialCollection.Name)] // counts the process's descriptors and lowers its descriptor limit
public sealed class DescriptorHygieneTests(ITestOutputHelper output)
{
    private static readonly Token WakeToken = new(3);

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Every_descriptor_of_a_Poll_and_a_Waker_is_close_on_exec_and_closed_on_Dispose(string backend)
    {
        Settle(backend); // loads the native libraries first: their descriptors are not ours
        var before = DescriptorTable.Baseline();

        var poll = Backends.Open(backend);
        var waker = new Waker(poll.Registry, WakeToken);
        var opened = DescriptorTable.Open().Except(before).ToArray();
        Assert.NotEmpty(opened);
        foreach (var fd in opened)
        {
            Assert.True(Native.IsCloseOnExec(fd), $"descriptor {fd} of the {backend} Poll or Waker is not FD_CLOEXEC");
        }

        waker.Dispose();
        poll.Dispose();
        DescriptorTable.AssertBackTo(before);
        output.WriteLine($"{backend}: Poll + Waker opened [{string.Join(", ", opened)}], all FD_CLOEXEC, all closed on Dispose");
    }

    /// <summary>
    /// With the soft RLIMIT_NOFILE lowered so that exactly k more descriptors can be opened, for k = 0, 1, 2…
    /// until Poll and Waker both succeed: each failure is an EventQueueException with EMFILE and leaves the
    /// descriptor table as it was, including the failures half way through a constructor.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void A_constructor_that_runs_out_of_descriptors_half_way_leaks_nothing(string backend)
    {
        Settle(backend);
        var (soft, _) = NativeProcess.DescriptorLimit();
        var failures = 0;
        for (var allowed = 0; ; allowed++)
        {
            Assert.True(allowed < 16, $"{backend} never succeeded with up to 16 descriptors to spare");
            var before = DescriptorTable.Baseline();
            var limit = (ulong)DescriptorTable.NextFree(allowed + 1)[allowed];
            Poll? poll = null;
            Waker? waker = null;
            Exception? failure = null;
            Skip.IfNot(NativeProcess.TrySetDescriptorLimit(limit), "setrlimit(RLIMIT_NOFILE) is refused here");
            try
            {
                poll = new Poll(Provider(backend).Create());
                waker = new Waker(poll.Registry, WakeToken);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                Assert.True(NativeProcess.TrySetDescriptorLimit(soft), "could not restore RLIMIT_NOFILE");
            }

            if (failure is null)
            {
                waker!.Dispose();
                poll!.Dispose();
                DescriptorTable.AssertBackTo(before);
                output.WriteLine($"{backend}: failed cleanly (EMFILE, no leak) with 0..{allowed - 1} descriptors to spare ({failures} cases); succeeded with {allowed}");
                Assert.True(failures >= 1);
                return;
            }

            poll?.Dispose();
            var typed = Assert.IsAssignableFrom<EventQueueException>(failure);
            Assert.Equal(NativeProcess.EMFILE, typed.Errno);
            DescriptorTable.AssertBackTo(before);
            output.WriteLine($"  {allowed} to spare: {failure.Message}");
            failures++;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Disposing_twice_in_any_order_is_harmless(string backend)
    {
        Settle(backend);
        var before = DescriptorTable.Baseline();

        var poll = Backends.Open(backend);
        var waker = new Waker(poll.Registry, WakeToken);
        poll.Dispose();
        poll.Dispose();
        waker.Dispose(); // after its Poll: must still close its own descriptor
        waker.Dispose();
        Assert.Throws<ObjectDisposedException>(() => waker.Wake());

        var second = Backends.Open(backend);
        var secondWaker = new Waker(second.Registry, WakeToken);
        secondWaker.Dispose();
        secondWaker.Dispose();
        second.Dispose();
        second.Dispose();

        DescriptorTable.AssertBackTo(before);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Ten_thousand_Poll_and_Waker_cycles_leave_the_descriptor_table_unchanged(string backend)
    {
        Settle(backend);
        var before = DescriptorTable.Baseline();
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 10_000; i++)
        {
            CreateAndDispose(backend);
        }

        // libkqueue closes a kqueue's own descriptors on its monitoring thread after close() returns, so the
        // table is compared once it settles; a descriptor the cycles leak never closes, and still fails.
        DescriptorTable.AssertNoGrowth(before, () =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                CreateAndDispose(backend);
            }
        });
        output.WriteLine($"{backend}: 10000 Poll+Waker cycles in {clock.ElapsedMilliseconds} ms; descriptors before {before.Count}");
    }

    /// <summary>
    /// Before a count: handles other tests left to the finalizer are closed now, not during the count
    /// (a finalized kqueue's own descriptors then close on libkqueue's monitoring thread, which the
    /// Dispose of one more Poll waits for), and the native libraries are loaded.
    /// </summary>
    private static void Settle(string backend)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        CreateAndDispose(backend);
    }

    private static void CreateAndDispose(string backend)
    {
        using var poll = Backends.Open(backend);
        using var waker = new Waker(poll.Registry, WakeToken);
        waker.Wake();
        poll.Wait(new Events(2), TimeSpan.Zero);
    }

    private static IEventQueueProvider Provider(string backend) => EventQueue.CreateProviders().Single(p => p.Name == backend);
}
