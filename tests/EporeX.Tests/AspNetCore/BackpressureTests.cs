using System;
using System.Threading.Tasks;
using EporeX.AspNetCore;
using EporeX.Tests.Support;
using Microsoft.AspNetCore.Builder;

namespace EporeX.Tests.AspNetCore;

/// <summary>
/// A client that does not read, and an application that does not read: the server's memory stays within
/// the transport's pause thresholds (counted in the pool the connection's pipes rent from), and the bytes
/// held back arrive whole once the slow side moves again.
/// </summary>
public sealed class BackpressureTests
{
    private const long ReceivePause = 256 * 1024;
    private const long SendPause = 32 * 1024;

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task A_client_that_does_not_read_holds_the_server_to_the_send_threshold(string backend)
    {
        const int Size = 64 * 1024 * 1024;
        Skip.If(KestrelHost.OnSockets, "counts EporeX's pool");
        using var pool = new CountingMemoryPool();
        await using var host = await KestrelHost.StartAsync(backend, TestApp.Map, Thresholds(pool));
        using var http = await RawHttp.ConnectAsync(host.EndPoint);
        await http.SendAsync(RawHttp.Get($"/bytes/{Size}"));

        // Unbounded, the app's 64 KiB writes would put tens of MiB in the pool within this second.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var held = pool.Peak;

        var (status, body) = await http.ReadAnswerAsync();
        Assert.Equal(200, status);
        Assert.Equal(Size, body.Length);
        Assert.Equal(-1, Pattern.FirstMismatch(body));

        // Kestrel flushes after each 64 KiB write and waits once SendPause is unsent: at most one write over it.
        Assert.True(held <= SendPause + (64 * 1024) + (64 * 1024), $"the server held {held} B for a client that did not read (send threshold {SendPause} B)");
        host.AssertClean();
    }

    [SkippableTheory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task An_application_that_does_not_read_holds_the_server_to_the_receive_threshold(string backend)
    {
        const int Size = 16 * 1024 * 1024; // under Kestrel's MaxRequestBodySize (30,000,000 B)
        Skip.If(KestrelHost.OnSockets, "counts EporeX's pool");
        using var pool = new CountingMemoryPool();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await KestrelHost.StartAsync(
            backend,
            app =>
            {
                TestApp.Map(app);
                app.MapPost("/later", async context =>
                {
                    entered.TrySetResult();
                    await gate.Task; // the body waits in the transport meanwhile
                    await TestApp.CheckBodyAsync(context);
                });
            },
            Thresholds(pool));
        using var http = await RawHttp.ConnectAsync(host.EndPoint);
        await http.SendAsync($"POST /later HTTP/1.1\r\nHost: test\r\nContent-Length: {Size}\r\n\r\n");
        var sending = http.SendAsync(Pattern.Bytes(Size)); // stops when the kernel's buffers are full
        await entered.Task.WaitAsync(Waiting.Long);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var held = pool.Peak;
        Assert.False(sending.IsCompleted, "all 16 MiB were taken while the application read nothing");

        gate.SetResult();
        await sending;
        var (status, body) = await http.ReadAnswerAsync();
        Assert.Equal(200, status);
        Assert.Equal($"{Size} -1", System.Text.Encoding.ASCII.GetString(body));

        // One receive may overshoot the threshold by what it asked for (at most 64 KiB of blocks).
        Assert.True(held <= ReceivePause + (128 * 1024), $"the server held {held} B of a body nobody read (receive threshold {ReceivePause} B)");
        host.AssertClean();
    }

    private static Action<EporeXTransportOptions> Thresholds(CountingMemoryPool pool) => o =>
    {
        o.ReceivePauseThreshold = ReceivePause;
        o.SendPauseThreshold = SendPause;
        o.MemoryPoolFactory = () => pool;
    };
}
