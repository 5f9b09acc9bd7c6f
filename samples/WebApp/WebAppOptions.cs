namespace EporeX.Samples.WebApp;

/// <summary>The command line: which transport, inline or not, the port, and EporeX's loops and backend.</summary>
internal sealed record WebAppOptions(string Transport, bool Inline, int Port, int Loops, string? Backend)
{
    public static WebAppOptions Parse(string[] args)
    {
        var options = new WebAppOptions("eporex", false, 5000, 0, null);
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--transport" => options with { Transport = ParseTransport(Value(args, ++i)) },
                "--inline" => options with { Inline = true },
                "--port" => options with { Port = int.Parse(Value(args, ++i), System.Globalization.CultureInfo.InvariantCulture) },
                "--loops" => options with { Loops = int.Parse(Value(args, ++i), System.Globalization.CultureInfo.InvariantCulture) },
                "--backend" => options with { Backend = Value(args, ++i) },
                _ => options, // the host's own arguments (--urls…) pass through to it
            };
        }

        return options;
    }

    private static string ParseTransport(string name) =>
        name is "sockets" or "eporex" ? name : throw new ArgumentException($"--transport is sockets or eporex, not {name}");

    private static string Value(string[] args, int i) =>
        i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
}
