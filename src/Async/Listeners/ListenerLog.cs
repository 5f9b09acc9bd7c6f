using Microsoft.Extensions.Logging;

namespace EporeX;

/// <summary>The listener's log messages (source-generated, no allocation when the level is off).</summary>
internal static partial class ListenerLog
{
    [LoggerMessage(EventId = 20, EventName = "ListenerDistribution", Level = LogLevel.Information,
        Message = "Listening on {EndPoint} with {Distribution} over {Loops} loops: {Reason}")]
    public static partial void Listening(ILogger logger, string endPoint, ListenerDistribution distribution, int loops, string reason);

    [LoggerMessage(EventId = 21, EventName = "AcceptOutOfDescriptors", Level = LogLevel.Warning,
        Message = "accept on {EndPoint} failed with {Error} ({Occurrences} times since the last warning): {Action}")]
    public static partial void OutOfResources(ILogger logger, string endPoint, string error, long occurrences, string action);

    [LoggerMessage(EventId = 22, EventName = "AcceptFailed", Level = LogLevel.Error,
        Message = "accept on {EndPoint} failed with {Error}; this listening socket stops accepting")]
    public static partial void AcceptFailed(ILogger logger, string endPoint, string error);

    [LoggerMessage(EventId = 23, EventName = "ConnectionSetupFailed", Level = LogLevel.Warning,
        Message = "An accepted connection on {EndPoint} was closed: it could not be set up")]
    public static partial void ConnectionSetupFailed(ILogger logger, System.Exception exception, string endPoint);

    [LoggerMessage(EventId = 24, EventName = "ConnectionCallbackFailed", Level = LogLevel.Warning,
        Message = "The connection callback of the listener on {EndPoint} failed; the connection was closed")]
    public static partial void CallbackFailed(ILogger logger, System.Exception exception, string endPoint);
}
