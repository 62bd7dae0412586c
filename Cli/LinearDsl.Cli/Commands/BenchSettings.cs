using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>bench</c>.</summary>
public sealed class BenchSettings : ModelPairSettings
{
    [CommandOption("--prompt <TEXT>")]
    [Description("Prompt of every run.")]
    [DefaultValue(GenerateSettings.DefaultPrompt)]
    public string Prompt { get; set; } = GenerateSettings.DefaultPrompt;

    [CommandOption("--max-tokens <N>")]
    [Description("Tokens generated per run (greedy, so every run generates the same text).")]
    [DefaultValue(128)]
    public int MaxTokens { get; set; } = 128;

    [CommandOption("--runs <N>")]
    [Description("Timed runs per decoder after one warm-up run; the median is reported.")]
    [DefaultValue(3)]
    public int Runs { get; set; } = 3;

    [CommandOption("--draft-tokens <M>")]
    [Description("Tokens the draft proposes per round.")]
    [DefaultValue(4)]
    public int DraftTokens { get; set; } = 4;

    [CommandOption("--json <PATH>")]
    [Description("Also write the measurements as a JSON array (one object per measurement with its unit, the machine and the commit). Default: none written.")]
    public string? Json { get; set; }

    public override ValidationResult Validate()
    {
        if (MaxTokens < 1) return ValidationResult.Error($"--max-tokens must be at least 1 (got {MaxTokens}).");
        if (Runs < 1) return ValidationResult.Error($"--runs must be at least 1 (got {Runs}).");
        if (DraftTokens < 1 || DraftTokens > 64) return ValidationResult.Error($"--draft-tokens must be between 1 and 64 (got {DraftTokens}).");
        return base.Validate();
    }
}
