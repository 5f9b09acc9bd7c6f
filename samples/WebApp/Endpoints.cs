using System.Text.Json.Serialization;

namespace EporeX.Samples.WebApp;

/// <summary>The app's endpoints: nothing here knows which transport serves it.</summary>
internal static class Endpoints
{
    private static readonly byte[] Chunk = "data: one more chunk of the stream\n"u8.ToArray();

    public static void Map(WebApplication app)
    {
        // TechEmpower's two: a fixed text body, and a small object serialized per request.
        app.MapGet("/plaintext", () => Results.Text("Hello, World!"));
        app.MapGet("/json", () => Results.Json(new Message("Hello, World!"), WebAppJson.Default.Message));

        // Echo: the request body streamed back as it arrives (any size; bounded memory).
        app.MapPost("/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
            await context.Request.BodyReader.CopyToAsync(context.Response.BodyWriter, context.RequestAborted);
        });

        // A chunked response written and flushed piece by piece: /stream?chunks=100
        app.MapGet("/stream", async (HttpContext context, int? chunks) =>
        {
            context.Response.ContentType = "text/plain";
            for (var i = 0; i < (chunks ?? 10); i++)
            {
                await context.Response.BodyWriter.WriteAsync(Chunk, context.RequestAborted);
            }
        });
    }
}

/// <summary>The /json body.</summary>
internal sealed record Message(string message);

/// <summary>Source-generated JSON (no reflection: trimming and NativeAOT keep working).</summary>
[JsonSerializable(typeof(Message))]
internal sealed partial class WebAppJson : JsonSerializerContext;
