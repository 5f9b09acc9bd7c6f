using System.Collections.Generic;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Faults;

/// <summary>What every fault case must show, whatever the fault: see docs/articles/reliability.md, "Faults survived".</summary>
internal static class FaultAssertions
{
    /// <summary>
    /// Runs the case <paramref name="faultName"/> × <paramref name="backend"/> and asserts: the driver passed (every byte, wake, signal, timer tick
    /// and exit arrived; every refusal was the documented type at the call that hit it; no descriptor
    /// leaked; no crash, no hang), the injection fired at least once (else the case proved nothing), and,
    /// where the case says so, the library itself surfaced a refusal.
    /// </summary>
    public static void Survives(string faultName, string backend, ITestOutputHelper output)
    {
        Skip.IfNot(System.OperatingSystem.IsLinux(), "strace's fault injection is Linux's");
        Strace.Require();
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here
        var fault = FaultMatrix.Find(faultName, backend);
        var run = FaultRun.Start(fault);
        output.WriteLine($"fault={fault.Fault} backend={backend} syscalls={fault.Syscalls} inject={fault.Injection} injected={run.Injected} refused={run.Count("refused")} ms={run.Count("ms")}");
        output.WriteLine(run.Result ?? "(no result line)");
        Assert.True(run.Result is not null && run.Counts.GetValueOrDefault("result") == "pass" && run.ExitCode == 0,
            $"{fault}: the driver did not pass (exit {run.ExitCode}):\n{run.Result}\n{run.Log}");
        Assert.True(run.Injected > 0, $"{fault}: strace never injected {fault.Injection} into {fault.Syscalls}: the case tested nothing\n{run.Log}");
        Assert.True(!fault.MustRefuse || run.Count("refused") > 0,
            $"{fault}: {run.Injected} calls were refused, none of them the library's (only the runtime's were hit)\n{run.Result}");
    }
}
