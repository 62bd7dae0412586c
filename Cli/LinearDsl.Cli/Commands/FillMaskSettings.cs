using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>fill-mask</c>.</summary>
public sealed class FillMaskSettings : CommandSettings
{
    /// <summary>The placeholder written where a token is to be filled, unless --mask says otherwise.</summary>
    public const string DefaultMask = "[MASK]";

    [CommandArgument(0, "<DIR>")]
    [Description("Checkpoint directory of an encoder (config.json with \"architecture\": \"encoder\", and model.safetensors), or a Hugging Face BERT folder (imported exactly).")]
    public string Directory { get; set; } = string.Empty;

    [CommandArgument(1, "<TEXT>")]
    [Description("Text with one or more [MASK] placeholders, each standing for one token (one byte with the byte tokenizer).")]
    public string Text { get; set; } = string.Empty;

    [CommandOption("--top-k <K>")]
    [Description("Candidates shown per mask, most likely first.")]
    [DefaultValue(5)]
    public int TopK { get; set; } = 5;

    [CommandOption("--mask <TEXT>")]
    [Description("The placeholder in TEXT. Default: [MASK].")]
    [DefaultValue(DefaultMask)]
    public string Mask { get; set; } = DefaultMask;

    [CommandOption("--json <PATH>")]
    [Description("Also write the candidates of every mask as JSON. Default: none written.")]
    public string? Json { get; set; }

    [CommandOption("--tokenizer <NAME>")]
    [Description("byte, byte-eot, gpt2 or wordpiece (DIR's vocab.txt). Default: wordpiece when DIR holds a vocab.txt, else from the encoder's vocabulary below its mask token (256: byte).")]
    public string? Tokenizer { get; set; }

    public override ValidationResult Validate()
    {
        if (TopK < 1) return ValidationResult.Error($"--top-k must be at least 1 (got {TopK}).");
        if (string.IsNullOrEmpty(Mask)) return ValidationResult.Error("--mask must not be empty; it is the placeholder to fill, e.g. [MASK].");
        if (!Text.Contains(Mask, StringComparison.Ordinal))
            return ValidationResult.Error($"TEXT has no {Mask}; write {Mask} where a token is to be filled, e.g. \"The c{Mask}t sat\".");
        return ValidationResult.Success();
    }
}
