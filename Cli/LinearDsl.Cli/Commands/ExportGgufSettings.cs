using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>export-gguf</c>.</summary>
public sealed class ExportGgufSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Checkpoint directory of a LLaMA-style softmax model (config.json + model.safetensors).")]
    public string Directory { get; set; } = string.Empty;

    [CommandOption("--out <FILE>")]
    [Description("The GGUF file to write (for llama.cpp or Ollama); replaced whole if it exists.")]
    public string Out { get; set; } = string.Empty;

    [CommandOption("--type <TYPE>")]
    [Description("f32 (every tensor float32) or q8_0 (weight matrices in llama.cpp's Q8_0, norms float32).")]
    [DefaultValue("f32")]
    public string Type { get; set; } = "f32";

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out FILE is required: the GGUF file to write.");
        if (Type is not ("f32" or "q8_0")) return ValidationResult.Error($"--type must be f32 or q8_0 (got '{Type}').");
        return ValidationResult.Success();
    }
}
