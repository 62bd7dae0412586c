using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>quantize</c>.</summary>
public sealed class QuantizeSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Checkpoint directory with float weights (config.json + model.safetensors).")]
    public string Directory { get; set; } = string.Empty;

    [CommandOption("--out <DIR>")]
    [Description("New checkpoint directory for the int8 model; must not exist, or be empty.")]
    public string Out { get; set; } = string.Empty;

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required: the directory to write the int8 checkpoint to.");
        return ValidationResult.Success();
    }
}
