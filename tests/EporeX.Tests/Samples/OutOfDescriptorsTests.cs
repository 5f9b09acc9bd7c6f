using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using EporeX.Tests.Support;
using Xunit.Abstractions;

namespace EporeX.Tests.Samples;

/// <summary>
/// The echo servers (bench/EchoBench, its --async mode, samples/HostedWorker) outlive EMFILE. Each runs as a child
/// process; once it listens, its descriptor limit is lowered (prlimit(2) on its pid) to leave it a few
/// free, and more clients connect than it can hold. The connections it serves keep echoing; the ones it
/// cannot take get a clean close (end of stream or a reset, never a hang) instead of waiting in the
/// backlog; it logs a warning; and once served clients leave, a new client is served again.
/// </summary>
public sealed class OutOfDescriptorsTests(ITestOutputHelper output)
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
            data.Add("EchoBench", backend);
            data.Add("EchoBench --async", backend);
        }

        data.Add("HostedWorker", "epoll");
        data.Add("HostedWorker", "poll");
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Servers))]
    public void The_server_keeps_serving_when_accept_runs_out_of_descriptors(string name, string backend)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the child's limit is set with Linux's prlimit(2) and read from /proc");
        Backends.Open(backend).Dispose(); // skips (or fails, when required) a backend that cannot run here
        using var server = Start(name, backend);
        var child = server.Process;
        var port = server.Port;
        var served = new List<Socket>();
        try
        {
            var limit = ChildDescriptorLimit.LeaveFree(child.Id, Free);
            output.WriteLine($"{name} ({backend}): pid {child.Id}, limit {limit}, {Free} descriptors free");
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
            Assert.False(child.HasExited, $"the server exited (code {(child.HasExited ? child.ExitCode : 0)}):\n{server.Log}");
            Assert.True(SpinWait.SpinUntil(() => server.Log.Contains("out of descriptors", StringComparison.OrdinalIgnoreCase), Waiting.Arrives),
                $"no warning logged (the log is read as it comes):\n{server.Log}");
        }
        finally
        {
            served.ForEach(s => s.Dispose());
            output.WriteLine(server.Log);
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

    /// <summary>Starts the server and waits until it listens; the port is the one it reports.</summary>
    private static ChildServer Start(string name, string backend)
    {
        var words = name.Split(' ');
        var args = new List<string>();
        if (words[0] == "EchoBench")
        {
            args.AddRange(["--port", Loopback.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        args.AddRange(["--backend", backend, "--seconds", "120"]);
        args.AddRange(words[1..]);
        return ChildServer.Start(words[0], [.. args]);
    }
}
