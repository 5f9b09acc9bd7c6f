using System;
using Microsoft.Extensions.Logging;

namespace EporeX.AspNetCore;

/// <summary>The transport's log messages (source-generated: nothing formatted unless the level is on).</summary>
internal static partial class ConnectionLog
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {ConnectionId} aborted: {Reason}")]
    public static partial void Aborted(ILogger logger, string connectionId, string reason);

    [LoggerMessage(2, LogLevel.Error, "A ConnectionClosed callback of connection {ConnectionId} threw")]
    public static partial void ClosedCallbackFailed(ILogger logger, Exception error, string connectionId);

    [LoggerMessage(3, LogLevel.Warning, "An accepted connection on {EndPoint} could not be set up; it was closed")]
    public static partial void SetupFailed(ILogger logger, Exception error, string endPoint);

    [LoggerMessage(4, LogLevel.Information, "EporeX transport bound {EndPoint}: {Backend} backend, {Loops} loops, {Distribution} ({Reason}), inline scheduling {Inline}")]
    public static partial void Bound(ILogger logger, string endPoint, string backend, int loops, ListenerDistribution distribution, string reason, bool inline);
}
