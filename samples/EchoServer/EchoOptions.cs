using System.Globalization;

namespace EporeX.Samples.EchoServer;

/// <summary>The command line: <c>--port PORT [--backend NAME] [--seconds LIFETIME] [--loops N]</c>.</summary>
internal sealed record EchoOptions(int Port, string? Backend, int Seconds, int Loops)
{
    public const string Usage =
        "usage: EchoServer --port PORT [--backend epoll|kqueue|poll|auto] [--seconds LIFETIME (default 300)] [--loops N (default 1)]";

    public static EchoOptions? Parse(string[] args)
    {
        int? port = null;
        string? backend = null;
        var seconds = 300;
        var loops = 1;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
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

        return port is { } found ? new EchoOptions(found, backend, seconds, loops) : null;
    }

    private static int? Number(string? text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;
}
