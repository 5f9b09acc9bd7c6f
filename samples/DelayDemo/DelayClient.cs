using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EporeX.Samples.DelayDemo;

/// <summary>
/// Sends every request at once from non-blocking sockets, then lets one Poll say which answer has arrived:
/// Writable tells that a connect finished (send the request), Readable that the answer is there.
/// </summary>
internal static class DelayClient
{
    public static int Run(Poll poll, IPEndPoint server, int[] delays, Action<int, string, TimeSpan> onAnswer)
    {
        var clock = Stopwatch.StartNew();
        var sockets = new Socket[delays.Length];
        var answers = new StringBuilder[delays.Length];
        for (var i = 0; i < delays.Length; i++)
        {
            sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false, NoDelay = true };
            answers[i] = new StringBuilder();
            try
            {
                sockets[i].Connect(server);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // completes in the background; Writable says when
            }

            poll.Registry.Register(sockets[i], new Token((ulong)i), Interest.Writable);
        }

        var events = new Events(64);
        var done = 0;
        var buffer = new byte[256];
        var deadline = TimeSpan.FromSeconds(30 + (delays.Length / 10));
        while (done < delays.Length && clock.Elapsed < deadline)
        {
            poll.Wait(events, TimeSpan.FromSeconds(1));
            foreach (var e in events)
            {
                var i = (int)e.Token.Value;
                var socket = sockets[i];
                if (e.IsError)
                {
                    Console.Error.WriteLine($"request #{i}: {socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)}");
                    poll.Registry.Deregister(socket);
                    done++;
                }
                else if (e.IsWritable)
                {
                    socket.Send(Encoding.ASCII.GetBytes($"{delays[i]}\n"));
                    poll.Registry.Reregister(socket, e.Token, Interest.Readable);
                }
                else if (e.IsReadable || e.IsReadClosed)
                {
                    var n = socket.Receive(buffer, 0, buffer.Length, SocketFlags.None, out var error);
                    if (n > 0)
                    {
                        answers[i].Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }

                    if (n == 0 || error != SocketError.WouldBlock && error != SocketError.Success || answers[i].ToString().EndsWith('\n'))
                    {
                        poll.Registry.Deregister(socket);
                        onAnswer(i, answers[i].ToString().TrimEnd(), clock.Elapsed);
                        done++;
                    }
                }
            }
        }

        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        return done;
    }
}
