using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>export-hf</c>.</summary>
public sealed class ExportHfSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Checkpoint directory of a softmax LLaMA-style or GPT-2-style model (config.json + model.safetensors).")]
    public string Directory { get; set; } = string.Empty;

    [CommandOption("--out <DIR>")]
    [Description("The Hugging Face folder to write (config.json, model.safetensors, tokenizer files); files in it are replaced.")]
    public string Out { get; set; } = string.Empty;

    public override ValidationResult Validate()
        => string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out DIR is required: the Hugging Face folder to write.") : ValidationResult.Success();
}
