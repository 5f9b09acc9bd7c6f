using System.Net;
using System.Threading.Tasks;

namespace EporeX.Samples.HostedWorker;

/// <summary>Where the echo server listens: the port asked for, and the address once it is bound.</summary>
internal sealed class EchoEndpoint(int port)
{
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Port { get; } = port;

    public Task<IPEndPoint> Bound => _bound.Task;

    public void SetBound(IPEndPoint endpoint) => _bound.TrySetResult(endpoint);
}
