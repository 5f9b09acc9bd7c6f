using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace EporeX.Tests.Support;

/// <summary>
/// Where a sample's (samples/) or a harness's (bench/) program is, to run it as a child process. Its own build output comes first: the
/// tests reference ASP.NET Core's shared framework, so Microsoft.Extensions.Hosting is not copied beside
/// them, and a sample started from the tests' directory (its runtimeconfig names .NET alone) would not
/// find it there.
/// </summary>
internal static class SampleBinaries
{
    /// <summary>samples/NAME/bin/CONFIGURATION/TFM/NAME.dll (or bench/NAME/…) when built, else NAME.dll beside the tests.</summary>
    public static string Dll(string name)
    {
        var tests = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)); // tests/EporeX.Tests/bin/CONFIGURATION/TFM
        var configuration = tests.Parent!;
        var repository = configuration.Parent?.Parent?.Parent?.Parent;
        if (repository is not null)
        {
            foreach (var folder in (ReadOnlySpan<string>)["samples", "bench"])
            {
                var own = Path.Combine(repository.FullName, folder, name, "bin", configuration.Name, tests.Name, $"{name}.dll");
                if (File.Exists(own))
                {
                    return own;
                }
            }
        }

        return Path.Combine(AppContext.BaseDirectory, $"{name}.dll");
    }

    /// <summary><c>dotnet NAME.dll ARGUMENTS</c> as a user runs it, stdout and stderr redirected to the test.</summary>
    public static ProcessStartInfo StartInfo(string name, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Dll(name));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
