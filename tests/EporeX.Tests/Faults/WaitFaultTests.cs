using Xunit.Abstractions;

namespace EporeX.Tests.Faults;

/// <summary>Faults at the kernel wait (epoll_wait, poll, libkqueue's epoll_wait under kevent): EINTR, a slow wait, an empty one.</summary>
public sealed class WaitFaultTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [MemberData(nameof(FaultMatrix.Waits), MemberType = typeof(FaultMatrix))]
    public void A_wait_survives(string fault, string backend) => FaultAssertions.Survives(fault, backend, output);
}
