using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EporeX.Samples.HostedWorker;

/// <summary>A client of the echo server: one message every half second, and the round trip it took.</summary>
internal sealed partial class EchoProbe(EchoEndpoint endpoint, ILogger<EchoProbe> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var server = await endpoint.Bound.WaitAsync(stoppingToken);
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server, stoppingToken);
        var reply = new byte[64];
        for (var i = 1; !stoppingToken.IsCancellationRequested; i++)
        {
            var message = Encoding.ASCII.GetBytes($"ping {i}");
            var started = Stopwatch.GetTimestamp();
            await socket.SendAsync(message, SocketFlags.None, stoppingToken);
            var received = 0;
            while (received < message.Length)
            {
                var n = await socket.ReceiveAsync(reply.AsMemory(received), SocketFlags.None, stoppingToken);
                if (n == 0)
                {
                    return;
                }

                received += n;
            }

            var roundTrip = Stopwatch.GetElapsedTime(started);
            var echoed = Encoding.ASCII.GetString(reply, 0, received);
            Log.Echoed(logger, echoed, roundTrip.TotalMilliseconds);
            await Task.Delay(500, stoppingToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Echoed '{Message}' in {Milliseconds:F3} ms")]
        public static partial void Echoed(ILogger logger, string message, double milliseconds);
    }
}
