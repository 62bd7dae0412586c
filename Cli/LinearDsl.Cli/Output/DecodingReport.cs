using System.Globalization;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Hosting;
using Spectre.Console;

namespace LinearDsl.Cli;

/// <summary>The statistics of a generation, side by side with a plain run of the same request when there is one.</summary>
public static class DecodingReport
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes the table of <paramref name="main"/> (and <paramref name="plain"/>) and the speed-up line.</summary>
    /// <param name="console">Where to write.</param>
    /// <param name="main">The run whose text was shown.</param>
    /// <param name="mainLabel">Its column title ("speculative" or "plain").</param>
    /// <param name="plain">A plain run of the same request, or null.</param>
    /// <param name="timedRuns">How many runs of each decoder the two shown were the median of (1: single runs).</param>
    public static void Write(IAnsiConsole console, TextGenerationResult main, string mainLabel, TextGenerationResult? plain, int timedRuns = 1)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn(string.Empty).AddColumn(new TableColumn(mainLabel).RightAligned());
        if (plain is not null) table.AddColumn(new TableColumn("plain").RightAligned());
        void Row(string name, Func<TextGenerationResult, string> value)
        {
            var cells = new List<string> { name, value(main) };
            if (plain is not null) cells.Add(value(plain));
            table.AddRow(cells.Select(c => new Text(c)).ToArray());
        }
        Row("generated tokens", r => r.GeneratedTokenCount.ToString(Invariant));
        Row("finish reason", r => FinishReason(r));
        Row("wall time", r => Milliseconds(r.Statistics.Elapsed));
        Row("tokens/s", r => r.Statistics.TokensPerSecond.ToString("F1", Invariant));
        Row("target calls", r => r.Statistics.TargetCalls.ToString(Invariant));
        Row("acceptance rate", r => r.Statistics.DraftedTokens == 0 ? "-" : r.Statistics.AcceptanceRate.ToString("P1", Invariant));
        Row("tokens per target call", r => r.Statistics.MeanAcceptedLength.ToString("F2", Invariant));
        Row("time to first token", r => r.Statistics.TimeToFirstToken is TimeSpan t ? Milliseconds(t) : "-");
        console.Write(table);
        if (plain is not null) console.WriteLine(SpeedUpLine(main, plain, timedRuns));
    }

    /// <summary>"speed-up: 1.93x versus plain decoding (median of 3 timed runs each; same text)".</summary>
    public static string SpeedUpLine(TextGenerationResult speculative, TextGenerationResult plain, int timedRuns = 1)
    {
        double plainRate = plain.Statistics.TokensPerSecond;
        string ratio = plainRate > 0 ? (speculative.Statistics.TokensPerSecond / plainRate).ToString("F2", Invariant) + "x" : "n/a";
        string same = speculative.Text == plain.Text ? "same text" : "different text: sampling draws differently; both follow the target's distribution";
        string runs = timedRuns > 1 ? $"median of {timedRuns} timed runs each; " : string.Empty;
        return $"speed-up: {ratio} versus plain decoding ({runs}{same})";
    }

    /// <summary>One line for a chat reply: tokens, tokens/s, acceptance.</summary>
    public static string Summary(DecodingStatistics statistics) =>
        string.Create(Invariant, $"{statistics.TokensGenerated} tokens, {statistics.TokensPerSecond:F1} tokens/s, {statistics.TargetCalls} target calls") +
        (statistics.DraftedTokens > 0 ? string.Create(Invariant, $", acceptance {statistics.AcceptanceRate:P1}") : string.Empty);

    static string FinishReason(TextGenerationResult result) => result.FinishReason switch
    {
        Runtime.Decoding.FinishReason.Length => "length",
        Runtime.Decoding.FinishReason.EndOfText => "end of text",
        Runtime.Decoding.FinishReason.Stopped => "stop sequence",
        _ => result.FinishReason.ToString(),
    };

    static string Milliseconds(TimeSpan time) => time.TotalMilliseconds.ToString("F0", Invariant) + " ms";
}
