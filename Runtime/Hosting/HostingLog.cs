using Microsoft.Extensions.Logging;

namespace LinearDsl.Runtime.Hosting;

/// <summary>Source-generated log messages of the hosting layer (no formatting cost when the level is off).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Generation waits for another request on the same models")]
    public static partial void WaitingForModels(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Generation started: {PromptTokens} prompt tokens, at most {MaxNewTokens} new tokens, temperature {Temperature}, seed {Seed}")]
    public static partial void GenerationStarted(ILogger logger, int promptTokens, int maxNewTokens, double temperature, int seed);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Generation finished ({Reason}): {Statistics}")]
    public static partial void GenerationFinished(ILogger logger, Decoding.FinishReason reason, Decoding.DecodingStatistics statistics);
}
