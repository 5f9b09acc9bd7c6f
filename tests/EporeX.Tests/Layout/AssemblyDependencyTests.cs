using System;
using System.Linq;
using EporeX.Bsd.Kqueue;
using EporeX.Fallback;
using EporeX.Linux.Epoll;
using EporeX.ThirdPartyBackend;

namespace EporeX.Tests.Layout;

/// <summary>
/// The dependency rule, checked on the built assemblies: a backend (and the contracts it is written
/// against) references EporeX.Abstractions only, never the core, and pulls no Options, Logging or Hosting.
/// </summary>
public class AssemblyDependencyTests
{
    private static readonly string[] CoreOnly =
    [
        "EporeX",
        "Microsoft.Extensions.Options",
        "Microsoft.Extensions.Logging.Abstractions",
        "Microsoft.Extensions.Hosting.Abstractions",
    ];

    [Theory]
    [InlineData(typeof(IEventQueue))]
    [InlineData(typeof(EpollProvider))]
    [InlineData(typeof(KqueueProvider))]
    [InlineData(typeof(PollProvider))]
    [InlineData(typeof(SimplePollProvider))]
    public void A_backend_and_the_contracts_reference_nothing_of_the_core(Type type)
    {
        var references = type.Assembly.GetReferencedAssemblies().Select(a => a.Name).ToArray();
        Assert.Empty(references.Intersect(CoreOnly));
    }

    [Theory]
    [InlineData(typeof(EpollProvider))]
    [InlineData(typeof(KqueueProvider))]
    [InlineData(typeof(PollProvider))]
    public void A_backend_references_the_abstractions(Type type) =>
        Assert.Contains("EporeX.Abstractions", type.Assembly.GetReferencedAssemblies().Select(a => a.Name));
}
