using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using EporeX.AspNetCore;
using EporeX.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EporeX.Tests.AspNetCore;

/// <summary>ASP.NET Core over the EporeX transport, called by .NET's own HttpClient: HTTP/1.1, HTTP/2 (h2c and TLS with ALPN), HTTPS, Unix sockets.</summary>
public sealed class HttpClientTests
{
    private const int SixteenMiB = 16 * 1024 * 1024;

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Sixteen_MiB_go_up_and_sixteen_come_down_byte_for_byte(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Waiting.Long };

        using var checkedUpload = await client.PostAsync("check", new ByteArrayContent(Pattern.Bytes(SixteenMiB)));
        Assert.Equal($"{SixteenMiB} -1", await checkedUpload.Content.ReadAsStringAsync()); // every byte arrived, in order

        var downloaded = await client.GetByteArrayAsync($"bytes/{SixteenMiB}");
        Assert.Equal(SixteenMiB, downloaded.Length);
        Assert.Equal(-1, Pattern.FirstMismatch(downloaded));
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Synchronous_IO_reads_a_large_body_and_writes_a_large_answer_with_blocking_calls(string backend)
    {
        const int Size = 4 * 1024 * 1024; // many receives and sends, each past the pause thresholds
        await using var host = await KestrelHost.StartAsync(
            backend,
            app => app.MapPost("/sync", context =>
            {
                // Blocking calls on the thread Kestrel runs the request on (AllowSynchronousIO, as older code needs).
                var buffer = new byte[16 * 1024];
                long length = 0, mismatch = -1;
                int n;
                while ((n = context.Request.Body.Read(buffer)) > 0)
                {
                    var at = Pattern.FirstMismatch(buffer.AsSpan(0, n), length);
                    mismatch = mismatch < 0 && at >= 0 ? at : mismatch;
                    length += n;
                }

                context.Response.Headers["X-Check"] = $"{length} {mismatch}";
                context.Response.ContentLength = Size;
                context.Response.Body.Write(Pattern.Bytes(Size));
                return System.Threading.Tasks.Task.CompletedTask;
            }),
            kestrel: k => k.AllowSynchronousIO = true);
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Waiting.Long };

        using var answer = await client.PostAsync("sync", new ByteArrayContent(Pattern.Bytes(Size)));
        Assert.Equal($"{Size} -1", string.Join(",", answer.Headers.GetValues("X-Check")));
        var body = await answer.Content.ReadAsByteArrayAsync();
        Assert.Equal(Size, body.Length);
        Assert.Equal(-1, Pattern.FirstMismatch(body));
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_handler_that_blocks_after_flushing_an_event_does_not_hold_the_event_back(string backend)
    {
        using var clientHasIt = new ManualResetEventSlim();
        await using var host = await KestrelHost.StartAsync(
            backend,
            app => app.MapGet("/events", context =>
            {
                // Events streamed with blocking calls and a blocking wait between them (AllowSynchronousIO, as
                // older code does): the wait ends only once the client has read the first event.
                context.Response.Body.Write("first\n"u8);
                context.Response.Body.Flush();
                context.Response.Body.Write(clientHasIt.Wait(Waiting.Long) ? "second\n"u8 : "held\n"u8);
                return System.Threading.Tasks.Task.CompletedTask;
            }),
            kestrel: k => k.AllowSynchronousIO = true);
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Waiting.Long + Waiting.Long };

        using var answer = await client.GetAsync("events", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Waiting.Long / 2);
        await using var body = await answer.Content.ReadAsStreamAsync();
        var first = new byte["first\n".Length];
        await body.ReadExactlyAsync(first).AsTask().WaitAsync(Waiting.Long / 2);
        clientHasIt.Set();
        using var rest = new StreamReader(body);
        Assert.Equal("first\nsecond\n", System.Text.Encoding.ASCII.GetString(first) + await rest.ReadToEndAsync());
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_chunked_upload_and_a_chunked_answer_arrive_whole(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Waiting.Long };

        // A stream of unknown length is sent with Transfer-Encoding: chunked.
        var body = Pattern.Bytes(3 * 1024 * 1024 + 17);
        using var content = new StreamContent(new UnknownLengthStream(body));
        using var request = new HttpRequestMessage(HttpMethod.Post, "check") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var checkedUpload = await client.SendAsync(request);
        Assert.Equal($"{body.Length} -1", await checkedUpload.Content.ReadAsStringAsync());

        using var streamed = await client.GetAsync("stream/500");
        Assert.True(streamed.Headers.TransferEncodingChunked);
        var lines = (await streamed.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"chunk {i}"), lines);
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Keep_alive_serves_fifty_requests_over_one_connection(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map);
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Waiting.Long };
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal($"{i}", await client.GetStringAsync($"n/{i}"));
        }

        Assert.Equal(1, host.Connections);
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task HTTP2_with_prior_knowledge_carries_a_hundred_concurrent_streams_on_one_connection(string backend)
    {
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map, listen: l => l.Protocols = HttpProtocols.Http2);
        using var client = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = false })
        {
            BaseAddress = host.BaseAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, // h2c: no upgrade, HTTP/2 from the first byte
            Timeout = Waiting.Long,
        };

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            using var response = await client.GetAsync($"stream/{20 + (i % 7)}");
            Assert.Equal(HttpVersion.Version20, response.Version);
            return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - (20 + (i % 7));
        }));

        Assert.All(answers, missing => Assert.Equal(0, missing));
        Assert.Equal(1, host.Connections);
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task HTTPS_with_a_test_certificate_serves_HTTP11_and_HTTP2_chosen_by_ALPN(string backend)
    {
        using var certificate = TestCertificate.Create();
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map, listen: l =>
        {
            l.Protocols = HttpProtocols.Http1AndHttp2;
            l.UseHttps(certificate);
        });

        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString(),
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://{host.EndPoint}/"), Timeout = Waiting.Long };

        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "check")
            {
                Version = version,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(Pattern.Bytes(1024 * 1024)),
            };
            using var response = await client.SendAsync(request);
            Assert.Equal(version, response.Version); // ALPN agreed on what was asked
            Assert.Equal($"{1024 * 1024} -1", await response.Content.ReadAsStringAsync());

            using var download = new HttpRequestMessage(HttpMethod.Get, $"bytes/{1024 * 1024}") { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var downloaded = await client.SendAsync(download);
            var bytes = await downloaded.Content.ReadAsByteArrayAsync();
            Assert.Equal(1024 * 1024, bytes.Length);
            Assert.Equal(-1, Pattern.FirstMismatch(bytes));
        }

        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_Unix_domain_socket_endpoint_is_served_through_EporeX(string backend)
    {
        var path = Path.Combine(Path.GetTempPath(), $"eporex-kestrel-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var unixConnections = 0;
        var foreign = 0;
        await using (var host = await KestrelHost.StartAsync(backend, TestApp.Map, kestrel: k => k.ListenUnixSocket(path, l => l.Use(next => async connection =>
        {
            Interlocked.Increment(ref unixConnections);
            if (connection is not EporeXConnection && !KestrelHost.OnSockets)
            {
                Interlocked.Increment(ref foreign);
            }

            await next(connection);
        }))))
        {
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            using var client = new HttpClient(handler) { BaseAddress = new Uri("http://unix.socket/"), Timeout = Waiting.Long };
            Assert.Equal("Hello, World!", await client.GetStringAsync("plaintext"));
            using var checkedUpload = await client.PostAsync("check", new ByteArrayContent(Pattern.Bytes(256 * 1024)));
            Assert.Equal($"{256 * 1024} -1", await checkedUpload.Content.ReadAsStringAsync());
            Assert.Equal(1, unixConnections);
            Assert.Equal(0, foreign);
            host.AssertClean();
        }

        Assert.False(File.Exists(path), "the socket file outlived the server");
    }

    /// <summary>A stream that does not tell its length, so HttpClient must send it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>A self-signed certificate for 127.0.0.1, with its private key usable by SslStream.</summary>
internal static class TestCertificate
{
    public static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), password: null);
    }
}
