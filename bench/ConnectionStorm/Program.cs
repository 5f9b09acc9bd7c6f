using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace EporeX.Bench.ConnectionStorm;

/// <summary>
/// Opens N loopback TCP connections (default 10,000), all at once, to a single-threaded echo loop on an
/// EporeX Poll; sends one message on each and checks the echo; closes them all; and checks that neither
/// side leaked a descriptor. The clients run in a child process (this program with --client), so each
/// side needs only N descriptors. EPOREX_BACKEND picks the server's backend.
/// Usage: ConnectionStorm [connections]. Exit code 0: passed; 2: skipped (descriptor limit too low).
/// </summary>
internal static partial class Program
{
    public const int Skipped = 2;
    private const int MessageLength = 16;

    public static int Main(string[] args)
    {
        if (args.Length == 3 && args[0] == "--client")
        {
            return Client(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
        }

        return Server(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000);
    }

    private static int Server(int count)
    {
        if (!RaiseDescriptorLimit(count, out var why))
        {
            Console.WriteLine($"SKIPPED: {why}");
            return Skipped;
        }

        Console.WriteLine($"ConnectionStorm: {count} connections to an echo loop, clients in a child process");

        // Warm-up with one connection from a child: the runtime opens some descriptors once, lazily
        // (socket engine, child-process plumbing); they are not the server's.
        Storm(1, quiet: true);
        var before = Descriptors();
        var (backend, elapsed) = Storm(count, quiet: false);
        var after = Descriptors();
        Console.WriteLine($"server ({backend}): descriptors before {before}, after {after}; {elapsed.TotalSeconds:F2} s in all");
        Check(before == after, $"the server leaked {after - before} descriptors");
        Console.WriteLine($"PASSED: {count} connections");
        return 0;
    }

    private static (string Backend, TimeSpan Elapsed) Storm(int count, bool quiet)
    {
        var clock = Stopwatch.StartNew();
        using var server = new EchoLoop();
        using (var client = Process.Start(ClientStart(server.EndPoint.Port, count, quiet))!)
        {
            // A generous cap only: the test that runs this bounds it by progress (the client's lines).
            if (!client.WaitForExit(TimeSpan.FromMinutes(30)))
            {
                client.Kill();
                throw new TimeoutException("the client did not finish within 30 minutes");
            }

            Check(client.ExitCode == 0, $"the client failed (exit {client.ExitCode})");
        }

        // The client is gone; the loop closes each connection when it reads the end of stream. Bounded
        // by progress: it fails only when no connection closes for 30 s.
        var stalled = Stopwatch.StartNew();
        var open = server.Open;
        while (open > 0 && stalled.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(10);
            var now = server.Open;
            if (now < open)
            {
                stalled.Restart();
            }

            open = now;
        }

        Check(server.Open == 0, $"{server.Open} connections still open on the server");
        // Every connection, and the client's warm-up connection, carries one message.
        Check(server.Accepted == count + 1 && server.Closed == count + 1, $"accepted {server.Accepted} and closed {server.Closed}, expected {count + 1}");
        Check(server.Echoed == (count + 1L) * MessageLength, $"echoed {server.Echoed} bytes, expected {(count + 1L) * MessageLength}");
        if (!quiet)
        {
            Console.WriteLine($"server ({server.Backend}): accepted {server.Accepted}, echoed {server.Echoed} bytes, closed {server.Closed}");
        }

        return (server.Backend, clock.Elapsed);
    }

    private static int Client(int port, int count)
    {
        if (!RaiseDescriptorLimit(count, out var why))
        {
            Console.WriteLine($"client cannot run: {why}");
            return 3;
        }

        var server = new IPEndPoint(IPAddress.Loopback, port);
        var sockets = new Socket[count];
        var clock = Stopwatch.StartNew();

        // One extra connection, used and closed, first: the runtime loads the code (and so maps the
        // assemblies, which holds descriptors) for each step once, lazily; that is not a leak. The
        // connect path loads System.Net.NameResolution only after many connects (tiering), so load it now.
        _ = Dns.GetHostName();
        using (var warmUp = Connect(server))
        {
            RoundTrip(warmUp, -1);
        }

        Progress("connected", 0, count); // the console opens what it needs on its first line: before the count
        var before = Descriptors();
        for (var i = 0; i < count; i++)
        {
            sockets[i] = Connect(server);
            Progress("connected", i + 1, count);
        }

        var opened = clock.Elapsed;
        var peak = Descriptors() - before;
        for (var i = 0; i < count; i++)
        {
            RoundTrip(sockets[i], i);
            Progress("echoed", i + 1, count);
        }

        var echoed = clock.Elapsed;
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        var after = Descriptors();
        Check(peak >= count, $"only {peak} connections were open at once");
        if (count > 1)
        {
            Console.WriteLine($"client: {count} connects in {opened.TotalSeconds:F2} s ({peak} open at once), {count} echoes checked in {(echoed - opened).TotalSeconds:F2} s, all closed in {(clock.Elapsed - echoed).TotalSeconds:F2} s; descriptors before {before}, after {after}");
        }

        Check(before == after, $"the client leaked {after - before} descriptors");
        return 0;
    }

    /// <summary>A line every 1,000 steps, which the test reads to bound the run by progress rather than by total time.</summary>
    private static void Progress(string what, int done, int count)
    {
        if (count > 1 && (done % 1000 == 0 || done == count))
        {
            Console.WriteLine($"progress: {done} {what}");
        }
    }

    private static void RoundTrip(Socket socket, int i)
    {
        Span<byte> message = stackalloc byte[MessageLength];
        Span<byte> echo = stackalloc byte[MessageLength];
        Encoding.ASCII.GetBytes($"{i,15}\n", message);
        Check(socket.Send(message) == MessageLength, $"short send on connection {i}");
        var got = 0;
        while (got < MessageLength)
        {
            var n = socket.Receive(echo[got..]);
            Check(n > 0, $"connection {i} closed before its echo");
            got += n;
        }

        Check(echo.SequenceEqual(message), $"connection {i} echoed the wrong bytes");
    }

    private static Socket Connect(IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10_000 };
        socket.Connect(server);
        return socket;
    }

    private static ProcessStartInfo ClientStart(int port, int count, bool quiet)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = quiet };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        start.ArgumentList.Add("--client");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        return start;
    }

    /// <summary>Raises the soft RLIMIT_NOFILE to the hard one; false when even that is too low for <paramref name="count"/>.</summary>
    private static unsafe bool RaiseDescriptorLimit(int count, out string why)
    {
        var resource = OperatingSystem.IsLinux() ? 7 : 8;
        var limit = default(RLimit);
        if (GetRLimit(resource, &limit) != 0)
        {
            why = "getrlimit failed";
            return false;
        }

        // A refused raise is not fatal by itself: the check below decides. macOS's hard limit is
        // RLIM_INFINITY and its setrlimit refuses (EINVAL) a soft one above kern.maxfilesperproc, so
        // then just what is needed is asked for.
        var needed = (ulong)count + 512;
        var hard = limit.Maximum;
        limit.Current = hard;
        if (SetRLimit(resource, &limit) != 0)
        {
            limit.Current = Math.Min(needed, hard);
            _ = SetRLimit(resource, &limit);
        }

        if (GetRLimit(resource, &limit) != 0)
        {
            why = "getrlimit failed";
            return false;
        }

        why = $"RLIMIT_NOFILE is {limit.Current} (hard {limit.Maximum}); {needed} descriptors are needed per side";
        return limit.Current >= needed;
    }

    private static int Descriptors() =>
        Directory.GetFiles(Directory.Exists("/proc/self/fd") ? "/proc/self/fd" : "/dev/fd").Length;

    private static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
    }

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static unsafe partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static unsafe partial int SetRLimit(int resource, RLimit* limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
