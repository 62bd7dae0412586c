using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>generate</c>.</summary>
public sealed class GenerateSettings : DecodingSettings
{
    /// <summary>The prompt used when none is given.</summary>
    public const string DefaultPrompt = "Once upon a time";

    [CommandArgument(0, "[PROMPT]")]
    [Description("Text to continue. Default: \"" + DefaultPrompt + "\".")]
    public string Prompt { get; set; } = DefaultPrompt;

    [CommandOption("--no-compare")]
    [Description("Skip the comparison run. By default generate also times a plain (non-speculative) run of the same request with the same seed, after the streamed one, and prints both side by side with the speed-up.")]
    public bool NoCompare { get; set; }

    [CommandOption("--timed-runs <N>")]
    [Description("Times of each decoder for the comparison, taken in turn (speculative, plain, speculative, ...); the table shows each decoder's run of median wall time, so one disturbed run on a busy machine does not decide the speed-up.")]
    [DefaultValue(3)]
    public int TimedRuns { get; set; } = 3;

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (TimedRuns < 1) return ValidationResult.Error($"--timed-runs must be at least 1 (got {TimedRuns}).");
        return base.Validate();
    }
}
