using Microsoft.Extensions.Logging;

namespace EporeX.Hosting;

/// <summary>The log messages of backend selection (source-generated: no boxing, no reflection).</summary>
internal static partial class SelectionLog
{
    /// <summary>Once per container, when the factory has chosen: the backend and every probe's answer.</summary>
    [LoggerMessage(EventId = 1, EventName = "BackendSelected", Level = LogLevel.Information,
        Message = "Event queue backend {Backend} selected. {SelectionReport}")]
    public static partial void BackendSelected(ILogger logger, string backend, SelectionReport selectionReport);
}
