using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>eval</c>.</summary>
public sealed class EvalSettings : CorpusSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Checkpoint directory (config.json + model.safetensors).")]
    public string Directory { get; set; } = string.Empty;

    [CommandOption("--all")]
    [Description("Evaluate on every sequence of the corpus (for a held-out text of its own). Default: only the validation part that train holds out (--validation).")]
    public bool All { get; set; }

    [CommandOption("--sequences <N>")]
    [Description("Evaluate at most N sequences (the first ones). Default: all of them.")]
    public int? Sequences { get; set; }

    [CommandOption("--json <PATH>")]
    [Description("Also write the result as one JSON object with its unit, the machine and the commit. Default: none written.")]
    public string? Json { get; set; }

    public override ValidationResult Validate()
    {
        var basic = base.Validate();
        if (!basic.Successful) return basic;
        if (Sequences is < 1) return ValidationResult.Error($"--sequences must be at least 1 (got {Sequences}).");
        return ValidationResult.Success();
    }
}
