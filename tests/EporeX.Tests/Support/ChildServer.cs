using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;

namespace EporeX.Tests.Support;

/// <summary>
/// A sample or harness server (samples/NAME or bench/NAME) run as a child process: started with its
/// arguments, ready once it reports the 127.0.0.1 port it listens on, its output kept as it comes. Ended by
/// its PID only: SIGTERM for the graceful stop a test asserts, a kill when a test leaves it running.
/// </summary>
internal sealed partial class ChildServer : IDisposable
{
    private readonly StringBuilder _log = new();
    private readonly ManualResetEventSlim _listening = new();
    private int _port;

    private ChildServer(Process process) => Process = process;

    public Process Process { get; }

    /// <summary>The port the server reported (the one it was given, or the one the kernel chose).</summary>
    public int Port => _port;

    /// <summary>Everything the server wrote so far, stdout and stderr interleaved by line.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet NAME.dll args</c> and waits until it listens; fails the test with its output if it does not.</summary>
    public static ChildServer Start(string name, params string[] args)
    {
        var server = new ChildServer(new Process { StartInfo = SampleBinaries.StartInfo(name, args) });
        server.Process.OutputDataReceived += server.OnLine;
        server.Process.ErrorDataReceived += server.OnLine;
        server.Process.Start();
        server.Process.BeginOutputReadLine();
        server.Process.BeginErrorReadLine();
        if (!server._listening.Wait(Waiting.Arrives * 6))
        {
            var exited = server.Process.HasExited ? $"exited with {server.Process.ExitCode}" : "still running";
            server.Dispose();
            Assert.Fail($"{name} {string.Join(' ', args)} did not report a port ({exited}):\n{server.Log}");
        }

        return server;
    }

    /// <summary>SIGTERM, then its exit code; fails the test if it does not exit in time.</summary>
    public int Terminate()
    {
        if (!Process.HasExited && Kill(Process.Id, SIGTERM) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        Assert.True(Process.WaitForExit(Waiting.Arrives * 2), $"the server did not exit on SIGTERM:\n{Log}");
        Process.WaitForExit(); // the last output lines
        return Process.ExitCode;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true); // our child, by its handle
        }

        Process.WaitForExit();
        Process.Dispose();
        _listening.Dispose();
    }

    private void OnLine(object? sender, DataReceivedEventArgs e)
    {
        if (e.Data is not { } line)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
            if (_port == 0 && Listening().Match(line) is { Success: true } m)
            {
                _port = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                _listening.Set();
            }
        }
    }

    private static readonly int SIGTERM = 15; // the same number on Linux, macOS and the BSDs

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"(?:echo server: |listening on )127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
