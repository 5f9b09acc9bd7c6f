using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Samples;

/// <summary>
/// The echo samples (EchoServer, its --async mode, HostedWorker) outlive EMFILE. Each runs as a child
/// process; once it listens, its descriptor limit is lowered (prlimit(2) on its pid) to leave it a few
/// free, and more clients connect than it can hold. The connections it serves keep echoing; the ones it
/// cannot take get a clean close (end of stream or a reset, never a hang) instead of waiting in the
/// backlog; it logs a warning; and once served clients leave, a new client is served again.
/// </summary>
public sealed partial class OutOfDescriptorsTests(ITestOutputHelper output)
{
    /// <summary>Free descriptors left to the server: more than the samples' headroom for the runtime (AcceptReserve.Headroom, 8).</summary>
    private const int Free = 16;
    private const int MaxClients = Free + 16;
    private const int Refusals = 3;

    public static TheoryData<string, string> Servers()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in new[] { "epoll", "kqueue", "poll" })
        {
            data.Add("EchoServer", backend);
            data.Add("EchoServer --async", backend);
        }

        data.Add("HostedWorker", "epoll");
        data.Add("HostedWorker", "poll");
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public void The_server_keeps_serving_when_accept_runs_out_of_descriptors(string server, string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the child's limit is set with Linux's prlimit(2) and read from /proc");
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here
        using var child = Start(server, backend, out var log, out var port);
        var served = new List<Socket>();
        try
        {
            var limit = ChildDescriptorLimit.LeaveFree(child.Id, Free);
            output.WriteLine($"{server} ({backend}): pid {child.Id}, limit {limit}, {Free} descriptors free");
            var refused = 0;
            for (var i = 0; i < MaxClients && refused < Refusals; i++)
            {
                var client = Connect(port);
                if (RoundTrip(client, i))
                {
                    served.Add(client);
                }
                else
                {
                    client.Dispose();
                    refused++;
                }
            }

            output.WriteLine($"served {served.Count}, refused {refused}");
            Assert.True(refused >= Refusals, $"only {refused} of {MaxClients} clients were refused with {Free} descriptors free: the limit did not bite");
            Assert.NotEmpty(served);

            // The connections it serves are untouched by the refusals.
            for (var i = 0; i < served.Count; i++)
            {
                Assert.True(RoundTrip(served[i], 1000 + i), $"served connection {i} stopped echoing after the refusals");
            }

            // Clients leave; once the server has closed its side, a newcomer is served.
            foreach (var client in served.GetRange(0, 2))
            {
                client.Dispose();
            }

            served.RemoveRange(0, 2);
            var clock = Stopwatch.StartNew();
            var later = false;
            for (var attempt = 0; !later && clock.Elapsed < Waiting.Arrives * 4; attempt++)
            {
                using var client = Connect(port);
                later = RoundTrip(client, 2000 + attempt);
            }

            Assert.True(later, "no client was served again after two left");
            Assert.False(child.HasExited, $"the server exited (code {(child.HasExited ? child.ExitCode : 0)}):\n{Text(log)}");
            Assert.True(SpinWait.SpinUntil(() => Text(log).Contains("out of descriptors", StringComparison.OrdinalIgnoreCase), Waiting.Arrives),
                $"no warning logged (the log is read as it comes):\n{Text(log)}");
        }
        finally
        {
            served.ForEach(s => s.Dispose());
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true); // our child, by its handle
            }

            child.WaitForExit();
            output.WriteLine(Text(log));
        }
    }

    private static Socket Connect(int port)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)(Waiting.Arrives * 2).TotalMilliseconds,
            SendTimeout = (int)(Waiting.Arrives * 2).TotalMilliseconds,
        };
        client.Connect(new IPEndPoint(IPAddress.Loopback, port));
        return client;
    }

    /// <summary>
    /// Sends a line and reads its echo: true when it comes back whole, false when the server closed the
    /// connection (end of stream or reset: a refused client). A receive timeout is a hang, and fails.
    /// </summary>
    private static bool RoundTrip(Socket client, int n)
    {
        var message = Encoding.ASCII.GetBytes($"message {n:D8}\n");
        try
        {
            client.Send(message);
            var echoed = new byte[message.Length];
            var received = 0;
            while (received < message.Length)
            {
                var r = client.Receive(echoed, received, message.Length - received, SocketFlags.None);
                if (r == 0)
                {
                    return false;
                }

                received += r;
            }

            Assert.Equal(message, echoed);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            Assert.Fail($"client {n} hung: neither echo nor close within {(Waiting.Arrives * 2).TotalSeconds} s (left in the backlog?)");
            return false;
        }
    }

    /// <summary>Starts the sample and waits until it listens; the port is the one it reports.</summary>
    private static Process Start(string server, string backend, out StringBuilder log, out int port)
    {
        var words = server.Split(' ');
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(SampleBinaries.Dll(words[0]));
        if (words[0] == "EchoServer")
        {
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add(FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var argument in new[] { "--backend", backend, "--seconds", "120" })
        {
            start.ArgumentList.Add(argument);
        }

        for (var i = 1; i < words.Length; i++)
        {
            start.ArgumentList.Add(words[i]);
        }

        var lines = new StringBuilder();
        var listening = new ManualResetEventSlim();
        var found = 0;
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lock (lines)
            {
                lines.AppendLine(line);
                if (Listening().Match(line) is { Success: true } m && found == 0)
                {
                    found = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                    listening.Set();
                }
            }
        }

        var child = new Process { StartInfo = start };
        child.OutputDataReceived += OnLine;
        child.ErrorDataReceived += OnLine;
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        if (!listening.Wait(Waiting.Arrives * 6))
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
            Assert.Fail($"{server} did not start listening:\n{Text(lines)}");
        }

        log = lines;
        port = found;
        return child;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string Text(StringBuilder lines)
    {
        lock (lines)
        {
            return lines.ToString();
        }
    }

    [GeneratedRegex(@"(?:echo server: |listening on )127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
