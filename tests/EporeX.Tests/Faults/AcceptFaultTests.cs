using Xunit.Abstractions;

namespace EporeX.Tests.Faults;

/// <summary>Faults at a listener's accept: some accepts failing, or every one refused.</summary>
public sealed class AcceptFaultTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [MemberData(nameof(FaultMatrix.Accepts), MemberType = typeof(FaultMatrix))]
    public void A_listener_survives_failed_accepts(string fault, string backend) => FaultAssertions.Survives(fault, backend, output);
}
