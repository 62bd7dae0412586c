using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>inspect</c>.</summary>
public sealed class InspectSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Checkpoint directory (config.json + model.safetensors).")]
    public string Directory { get; set; } = string.Empty;

    [CommandOption("--context <N>")]
    [Description("Tokens of context prefilled to measure how the decoding state grows (capped at the model's context length).")]
    [DefaultValue(256)]
    public int Context { get; set; } = 256;

    public override ValidationResult Validate() =>
        Context < 2 ? ValidationResult.Error($"--context must be at least 2 (got {Context}).") : ValidationResult.Success();
}
