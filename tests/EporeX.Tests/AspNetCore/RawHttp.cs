using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.AspNetCore;

/// <summary>
/// HTTP/1.1 over a plain socket, for what HttpClient will not do: pipelining, half-close, leaving mid-way.
/// Parses answers with Content-Length or chunked bodies.
/// </summary>
internal sealed class RawHttp : IDisposable
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly List<byte> _pending = [];

    private RawHttp(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public static async Task<RawHttp> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).WaitAsync(Waiting.Long);
        return new RawHttp(socket);
    }

    public static string Get(string path, bool close = false) =>
        $"GET {path} HTTP/1.1\r\nHost: test\r\n{(close ? "Connection: close\r\n" : "")}\r\n";

    public async Task SendAsync(string text) => await SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await Socket.SendAsync(bytes).AsTask().WaitAsync(Waiting.Long);
            bytes = bytes[sent..];
        }
    }

    /// <summary>The next answer: its status and body (chunks joined).</summary>
    public async Task<(int Status, byte[] Body)> ReadAnswerAsync()
    {
        var head = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n\r\n"u8.ToArray()));
        var lines = head.Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        long? length = null;
        var chunked = false;
        foreach (var line in lines[1..])
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                chunked = true;
            }
        }

        if (!chunked)
        {
            return (status, await ReadExactlyAsync((int)(length ?? 0)));
        }

        var body = new List<byte>();
        while (true)
        {
            var sizeLine = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n"u8.ToArray())).Trim();
            var size = int.Parse(sizeLine.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            body.AddRange(await ReadExactlyAsync(size));
            await ReadExactlyAsync(2); // the chunk's CRLF
            if (size == 0)
            {
                return (status, body.ToArray());
            }
        }
    }

    /// <summary>Reads until the peer ends the stream; returns how many bytes came first (0: it was at the end already).</summary>
    public async Task<int> ReadToEndAsync()
    {
        var total = _pending.Count;
        _pending.Clear();
        while (true)
        {
            int n;
            try
            {
                n = await Socket.ReceiveAsync(_buffer.AsMemory()).AsTask().WaitAsync(Waiting.Long);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return total;
            }

            if (n == 0)
            {
                return total;
            }

            total += n;
        }
    }

    public void Dispose() => Socket.Dispose();

    private async Task<byte[]> ReadUntilAsync(byte[] marker)
    {
        while (true)
        {
            var at = IndexOf(_pending, marker);
            if (at >= 0)
            {
                var taken = _pending.GetRange(0, at).ToArray();
                _pending.RemoveRange(0, at + marker.Length);
                return taken;
            }

            await FillAsync();
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        while (_pending.Count < count)
        {
            await FillAsync();
        }

        var taken = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        return taken;
    }

    private async Task FillAsync()
    {
        var n = await Socket.ReceiveAsync(_buffer.AsMemory()).AsTask().WaitAsync(Waiting.Long);
        if (n == 0)
        {
            throw new EndOfStreamException("the server ended the connection before the answer was complete");
        }

        _pending.AddRange(_buffer.AsSpan(0, n));
    }

    private static int IndexOf(List<byte> data, byte[] marker)
    {
        for (var i = 0; i + marker.Length <= data.Count; i++)
        {
            var match = true;
            for (var j = 0; j < marker.Length && match; j++)
            {
                match = data[i + j] == marker[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}
