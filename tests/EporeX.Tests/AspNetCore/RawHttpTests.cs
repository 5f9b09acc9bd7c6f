using System;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using EporeX.Tests.Support;

namespace EporeX.Tests.AspNetCore;

/// <summary>HTTP/1.1 through the EporeX transport over a plain socket: pipelining, full duplex, half-close, and peers that leave mid-way.</summary>
public sealed class RawHttpTests
{
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Sixteen_pipelined_requests_in_one_write_get_sixteen_answers_in_order(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using var http = await RawHttp.ConnectAsync(host.EndPoint);
        await http.SendAsync(string.Concat(Enumerable.Range(0, 16).Select(i => RawHttp.Get($"/n/{i}"))));
        for (var i = 0; i < 16; i++)
        {
            var (status, body) = await http.ReadAnswerAsync();
            Assert.Equal(200, status);
            Assert.Equal($"{i}", Encoding.ASCII.GetString(body));
        }

        Assert.Equal(1, host.Connections);
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Sixteen_MiB_echo_in_full_duplex_comes_back_byte_for_byte(string backend)
    {
        const int Size = 16 * 1024 * 1024;
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using var http = await RawHttp.ConnectAsync(host.EndPoint);
        await http.SendAsync($"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: {Size}\r\n\r\n");
        var sending = http.SendAsync(Pattern.Bytes(Size)); // the answer is read while the body still goes up
        var (status, body) = await http.ReadAnswerAsync();
        await sending;
        Assert.Equal(200, status);
        Assert.Equal(Size, body.Length);
        Assert.Equal(-1, Pattern.FirstMismatch(body));
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task After_a_Connection_close_answer_the_server_half_closes_and_still_reads(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using var http = await RawHttp.ConnectAsync(host.EndPoint);
        await http.SendAsync("GET /bytes/1000000 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        var (status, body) = await http.ReadAnswerAsync();
        Assert.Equal(200, status);
        Assert.Equal(1_000_000, body.Length);
        Assert.Equal(-1, Pattern.FirstMismatch(body));
        Assert.Equal(0, await http.ReadToEndAsync()); // the server's FIN follows the whole answer
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_client_half_close_ends_the_connection_as_on_Kestrels_Sockets_transport(string backend)
    {
        // Kestrel reads a client's FIN as "the client is gone" (Sockets fires ConnectionClosed on it and
        // Kestrel aborts the answer): the transport must do the same, quietly, and keep serving.
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using (var http = await RawHttp.ConnectAsync(host.EndPoint))
        {
            await http.SendAsync(RawHttp.Get($"/bytes/{1L << 40}")); // a terabyte: only the FIN can end this answer
            http.Socket.Shutdown(SocketShutdown.Send);
            await http.ReadToEndAsync().WaitAsync(Waiting.Long); // EOF or a reset, never the whole terabyte

        }

        using var later = await RawHttp.ConnectAsync(host.EndPoint);
        await later.SendAsync(RawHttp.Get("/plaintext"));
        Assert.Equal(200, (await later.ReadAnswerAsync()).Status);
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Clients_that_leave_mid_upload_and_mid_answer_leave_the_server_serving(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using (var uploader = await RawHttp.ConnectAsync(host.EndPoint))
        {
            await uploader.SendAsync($"POST /check HTTP/1.1\r\nHost: test\r\nContent-Length: {8 * 1024 * 1024}\r\n\r\n");
            await uploader.SendAsync(Pattern.Bytes(1024 * 1024));
            uploader.Socket.LingerState = new LingerOption(true, 0); // a reset, the rudest way to leave
        }

        using (var reader = await RawHttp.ConnectAsync(host.EndPoint))
        {
            await reader.SendAsync(RawHttp.Get($"/bytes/{256 * 1024 * 1024}"));
            var some = new byte[1024 * 1024];
            await reader.Socket.ReceiveAsync(some.AsMemory()).AsTask().WaitAsync(Waiting.Long);
        }

        using var later = await RawHttp.ConnectAsync(host.EndPoint);
        await later.SendAsync(RawHttp.Get("/plaintext"));
        var (status, body) = await later.ReadAnswerAsync();
        Assert.Equal(200, status);
        Assert.Equal("Hello, World!", Encoding.ASCII.GetString(body));
        // The app's body read fails with ConnectionResetException, which Kestrel logs as the app's error
        // (and then its drain fails), exactly as on Sockets; nothing else may be logged.
        host.AssertClean(tolerateApplicationErrors: true);
    }

    /// <summary>
    /// HttpContext.Abort resets the connection, as on the Sockets transport: a client that reads to the end
    /// of the stream (an HTTP/1.0 answer, a raw protocol) must learn that the answer was cut, not ended.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_server_Abort_resets_the_connection_as_Sockets_does(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        for (var i = 0; i < 5; i++)
        {
            using var http = await RawHttp.ConnectAsync(host.EndPoint);
            await http.SendAsync(RawHttp.Get("/abort-at-once"));
            var outcome = await Record.ExceptionAsync(async () =>
            {
                var read = await http.Socket.ReceiveAsync(new byte[1024].AsMemory()).AsTask().WaitAsync(Waiting.Long);
                throw new InvalidOperationException($"the client read {read} bytes (0: the end of the stream) where a reset was due");
            });
            Assert.True(outcome is SocketException { SocketErrorCode: SocketError.ConnectionReset }, $"try {i}: {outcome}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_server_Abort_ends_the_connection_and_the_next_one_is_served(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using (var http = await RawHttp.ConnectAsync(host.EndPoint))
        {
            await http.SendAsync(RawHttp.Get("/abort"));
            var ended = await Assert.ThrowsAnyAsync<Exception>(http.ReadAnswerAsync); // the chunked answer never ends
            Assert.True(ended is System.IO.EndOfStreamException or SocketException, $"the connection did not end: {ended}");
        }

        using var later = await RawHttp.ConnectAsync(host.EndPoint);
        await later.SendAsync(RawHttp.Get("/plaintext"));
        Assert.Equal(200, (await later.ReadAnswerAsync()).Status);
    }
}
