using Xunit.Abstractions;

namespace EporeX.Tests.Faults;

/// <summary>EMFILE on every call that opens a descriptor, and ENOMEM on registration.</summary>
public sealed class ExhaustionFaultTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [MemberData(nameof(FaultMatrix.Exhaustion), MemberType = typeof(FaultMatrix))]
    public void Running_out_of_descriptors_is_survived(string fault, string backend) => FaultAssertions.Survives(fault, backend, output);

    [SkippableTheory]
    [MemberData(nameof(FaultMatrix.Registration), MemberType = typeof(FaultMatrix))]
    public void A_refused_registration_is_survived(string fault, string backend) => FaultAssertions.Survives(fault, backend, output);
}
