using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>check-causality</c>.</summary>
public sealed class CheckCausalitySettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Checkpoint directory (config.json + model.safetensors).")]
    public string Directory { get; set; } = string.Empty;

    [CommandOption("--length <N>")]
    [Description("Random tokens the probe runs (capped at the model's context length).")]
    [DefaultValue(64)]
    public int Length { get; set; } = 64;

    [CommandOption("--position <P>")]
    [Description("The token that is changed; every output before it must stay bit-identical. Default: one past the middle of --length (so not the first token of a group, whose later neighbours a group-wise leak would show).")]
    public int? Position { get; set; }

    [CommandOption("--seed <N>")]
    [Description("Seed of the random tokens.")]
    [DefaultValue(0)]
    public int Seed { get; set; }

    public override ValidationResult Validate()
    {
        if (Length < 2) return ValidationResult.Error($"--length must be at least 2 (got {Length}).");
        if (Position is int p && (p < 1 || p >= Length)) return ValidationResult.Error($"--position must be between 1 and --length - 1 = {Length - 1} (got {p}).");
        if (Seed < 0) return ValidationResult.Error($"--seed must be 0 or more (got {Seed}).");
        return ValidationResult.Success();
    }
}
