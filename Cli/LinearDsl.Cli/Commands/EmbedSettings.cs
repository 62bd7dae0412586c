using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>embed</c>.</summary>
public sealed class EmbedSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Checkpoint directory of an encoder (config.json with \"architecture\": \"encoder\", and model.safetensors), or a Hugging Face BERT folder (imported exactly).")]
    public string Directory { get; set; } = string.Empty;

    [CommandArgument(1, "<TEXT>")]
    [Description("Texts to embed, one embedding each (pooled as the encoder's config says: mean or first token).")]
    public string[] Texts { get; set; } = [];

    [CommandOption("--out <PATH>")]
    [Description("Write the JSON to this file instead of printing it. Default: printed.")]
    public string? Out { get; set; }

    [CommandOption("--tokenizer <NAME>")]
    [Description("byte, byte-eot, gpt2 or wordpiece (DIR's vocab.txt). Default: wordpiece when DIR holds a vocab.txt, else from the encoder's vocabulary below its mask token (256: byte).")]
    public string? Tokenizer { get; set; }

    public override ValidationResult Validate()
    {
        if (Texts.Length == 0) return ValidationResult.Error("give at least one TEXT to embed.");
        if (Texts.Any(string.IsNullOrEmpty)) return ValidationResult.Error("a TEXT is empty; every text to embed needs at least one character.");
        return ValidationResult.Success();
    }
}
