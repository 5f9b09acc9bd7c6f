using System;
using System.IO.Pipelines;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EporeX.Tests.AspNetCore;

/// <summary>The endpoints the transport tests call (raw RequestDelegates: no reflection, no JSON).</summary>
internal static class TestApp
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/plaintext", context =>
        {
            context.Response.ContentLength = 13;
            return context.Response.WriteAsync("Hello, World!");
        });

        // The request body back, as it arrives.
        app.MapPost("/echo", async context =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.BodyReader.CopyToAsync(context.Response.BodyWriter, context.RequestAborted);
        });

        // Reads the whole body and answers "<length> <first offset that breaks the pattern, or -1>".
        app.MapPost("/check", CheckBodyAsync);

        // n bytes of Pattern, in 64 KiB writes.
        app.MapGet("/bytes/{n:long}", async context =>
        {
            var n = long.Parse((string)context.Request.RouteValues["n"]!, System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentLength = n;
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < n; sent += chunk.Length)
            {
                var length = (int)Math.Min(chunk.Length, n - sent);
                Pattern.Fill(chunk.AsSpan(0, length), sent);
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, length), context.RequestAborted);
            }
        });

        // The number in the path back: tells pipelined answers apart.
        app.MapGet("/n/{i:int}", context =>
        {
            var i = (string)context.Request.RouteValues["i"]!;
            context.Response.ContentLength = i.Length;
            return context.Response.WriteAsync(i);
        });

        // A chunked response (no Content-Length), flushed per chunk.
        app.MapGet("/stream/{chunks:int}", async context =>
        {
            var chunks = int.Parse((string)context.Request.RouteValues["chunks"]!, System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < chunks; i++)
            {
                await context.Response.WriteAsync($"chunk {i}\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });

        // The server ends the connection before it answers.
        app.MapGet("/abort-at-once", context =>
        {
            context.Abort();
            return Task.CompletedTask;
        });

        // The server ends the connection in the middle of its answer.
        app.MapGet("/abort", async context =>
        {
            await context.Response.WriteAsync("partial");
            await context.Response.Body.FlushAsync();
            context.Abort();
        });
    }

    /// <summary>Reads the whole body and answers "&lt;length&gt; &lt;first offset that breaks the pattern, or -1&gt;".</summary>
    public static async Task CheckBodyAsync(HttpContext context)
    {
        long length = 0;
        long mismatch = -1;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await context.Request.BodyReader.ReadAsync(context.RequestAborted);
            }
            catch (Exception e) when (e is ConnectionResetException or OperationCanceledException)
            {
                return; // the client left mid-upload: an app handles it, or Kestrel logs it as the app's error
            }

            foreach (var segment in read.Buffer)
            {
                if (mismatch < 0)
                {
                    mismatch = Pattern.FirstMismatch(segment.Span, length);
                }

                length += segment.Length;
            }

            context.Request.BodyReader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        await context.Response.WriteAsync($"{length} {mismatch}");
    }
}

/// <summary>A byte pattern that tells each offset apart (within 251), for byte-checked bodies.</summary>
internal static class Pattern
{
    public static byte At(long offset) => (byte)(offset % 251);

    public static void Fill(Span<byte> span, long offset)
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = At(offset + i);
        }
    }

    public static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        Fill(bytes, 0);
        return bytes;
    }

    /// <summary>The first offset where <paramref name="data"/> differs from the pattern, or -1.</summary>
    public static long FirstMismatch(ReadOnlySpan<byte> data, long offset = 0)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] != At(offset + i))
            {
                return offset + i;
            }
        }

        return -1;
    }
}
