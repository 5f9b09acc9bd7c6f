using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.Async;

/// <summary>LoopThreadAffinity: each loop thread pinned to one allowed CPU (Linux), or a clear refusal elsewhere.</summary>
public sealed partial class EventLoopGroupAffinityTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Pinned_loop_threads_run_on_the_one_CPU_the_group_reports(string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "sched_setaffinity is Linux's");
        Backends.Open(backend).Dispose();
        var allowed = AllowedCpus();
        using var group = new EventLoopGroup(new EventLoopGroupOptions
        {
            Backend = backend,
            LoopCount = 3,
            Affinity = LoopThreadAffinity.Required,
            InlineContinuations = true, // so the test's code after an await runs on the loop thread itself
        });

        for (var i = 0; i < group.Count; i++)
        {
            Assert.Equal(allowed[i % allowed.Length], group.PinnedCpus[i]);
            using var pipe = new TestPipe();
            using var fd = group[i].Register(pipe.Read, Interest.Readable, leaveOpen: true);
            var probe = Groups.OnLoopThread(fd, AllowedCpus); // suspended before the write, so it resumes on the loop thread
            pipe.Write(1);
            var (onLoop, cpus) = await probe.WaitAsync(AsyncLoops.Patience);
            Assert.True(onLoop);
            Assert.Equal(new[] { group.PinnedCpus[i] }, cpus);
        }

        Assert.Contains($"loop 0 on CPU {allowed[0]}", group.AffinityReport, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Off_Linux_required_affinity_is_refused_and_best_effort_says_why()
    {
        Skip.If(OperatingSystem.IsLinux(), "Linux pins");
        Assert.Throws<PlatformNotSupportedException>(() => new EventLoopGroup(new EventLoopGroupOptions { LoopCount = 1, Affinity = LoopThreadAffinity.Required }));
        using var group = new EventLoopGroup(new EventLoopGroupOptions { LoopCount = 1, Affinity = LoopThreadAffinity.BestEffort });
        Assert.Equal(-1, group.PinnedCpus[0]);
        Assert.Contains("not supported", group.AffinityReport, StringComparison.Ordinal);
    }

    private static int[] AllowedCpus()
    {
        var set = new ulong[16];
        Assert.Equal(0, GetAffinity(0, 16 * sizeof(ulong), set));
        return Enumerable.Range(0, 1024).Where(cpu => (set[cpu / 64] & (1UL << (cpu % 64))) != 0).ToArray();
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int GetAffinity(int pid, nuint size, [Out] ulong[] set);
}
