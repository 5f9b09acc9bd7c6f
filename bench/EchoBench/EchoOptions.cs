using System.Globalization;

namespace EporeX.Bench.EchoBench;

/// <summary>The command line: <c>--port PORT [--backend NAME] [--seconds LIFETIME] [--loops N] [--async [--inline] [--read-async | --pipe]]</c>.</summary>
/// <param name="Port">The TCP port on 127.0.0.1.</param>
/// <param name="Backend">The backend's name, or null for the best one here.</param>
/// <param name="Seconds">The server's lifetime.</param>
/// <param name="Loops">How many loops (threads) share the port: Poll loops, or with <paramref name="Async"/> an EventLoopGroup with a listener.</param>
/// <param name="Async">Serve with one EventLoop and an async handler per connection (AsyncEchoServer) instead of the Poll loops.</param>
/// <param name="Inline">With <paramref name="Async"/>: continuations run on the loop thread (EventLoopOptions.InlineContinuations).</param>
/// <param name="ReadAsync">With <paramref name="Async"/>: handlers use AsyncFd.ReadAsync rather than readiness + recv (to measure the difference).</param>
/// <param name="Pipe">With <paramref name="Async"/>: each connection is a DescriptorPipe (System.IO.Pipelines) and the handler echoes from its Input to its Output.</param>
internal sealed record EchoOptions(int Port, string? Backend, int Seconds, int Loops, bool Async = false, bool Inline = false, bool ReadAsync = false, bool Pipe = false)
{
    public const string Usage =
        "usage: EchoBench --port PORT [--backend epoll|kqueue|poll|auto] [--seconds LIFETIME (default 300)] [--loops N (default 1)] [--async [--inline] [--read-async | --pipe]]";

    public static EchoOptions? Parse(string[] args)
    {
        int? port = null;
        string? backend = null;
        var seconds = 300;
        var loops = 1;
        bool isAsync = false, inline = false, readAsync = false, pipe = false;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--async":
                    isAsync = true;
                    continue; // a flag: no value to skip
                case "--inline":
                    inline = true;
                    continue;
                case "--read-async":
                    readAsync = true;
                    continue;
                case "--pipe":
                    pipe = true;
                    continue;
                case "--port" when Number(value, 1, 65535) is { } p:
                    port = p;
                    break;
                case "--backend" when value is not null:
                    backend = value;
                    break;
                case "--seconds" when Number(value, 1, int.MaxValue / 1000) is { } s:
                    seconds = s;
                    break;
                case "--loops" when Number(value, 1, 256) is { } n:
                    loops = n;
                    break;
                default:
                    return null;
            }

            i++;
        }

        if (((inline || readAsync || pipe) && !isAsync) || (readAsync && pipe) || (readAsync && loops > 1))
        {
            return null; // --inline is an async option; the async server is one EventLoop
        }

        return port is { } found ? new EchoOptions(found, backend, seconds, loops, isAsync, inline, readAsync, pipe) : null;
    }

    private static int? Number(string? text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
}
