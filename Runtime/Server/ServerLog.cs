using Microsoft.Extensions.Logging;

namespace LinearDsl.Server;

/// <summary>Source-generated log messages of the server (no formatting cost when the level is off).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "LinearDsl server ready: model {Model}, {Decoding} decoding, batch {Batch}, queue {Queue}, state cache {Cache} bytes")]
    public static partial void Ready(ILogger logger, string model, string decoding, int batch, int queue, long cache);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "LinearDsl server could not load its models: {Message}")]
    public static partial void LoadFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Request failed")]
    public static partial void RequestFailed(ILogger logger, Exception error);
}
