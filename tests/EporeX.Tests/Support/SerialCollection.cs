namespace EporeX.Tests.Support;

/// <summary>Tests that count or reuse the process's descriptors, or set environment variables: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial: descriptors and environment";
}
