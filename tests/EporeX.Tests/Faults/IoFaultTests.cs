using Xunit.Abstractions;

namespace EporeX.Tests.Faults;

/// <summary>Faults at descriptor I/O: EINTR on read/write/recv/send, EAGAIN on the waker's write, ENOBUFS and EPIPE on send.</summary>
public sealed class IoFaultTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [MemberData(nameof(FaultMatrix.Io), MemberType = typeof(FaultMatrix))]
    public void Descriptor_io_survives(string fault, string backend) => FaultAssertions.Survives(fault, backend, output);
}
