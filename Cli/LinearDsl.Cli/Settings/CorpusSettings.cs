using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Which text to read and how to cut it into sequences (train, distill-draft, eval).</summary>
public class CorpusSettings : CommandSettings
{
    /// <summary>Fraction of the corpus's sequences (the last ones) held out for validation by default.</summary>
    public const double DefaultValidationFraction = 0.02;

    [CommandOption("--corpus <FILE>")]
    [Description("UTF-8 text file to train or evaluate on. Default: the bundled " + BundledCorpus.CorpusPath + " (King James Version, public domain).")]
    public string? Corpus { get; set; }

    [CommandOption("--tokenizer <NAME>")]
    [Description("byte, byte-eot or gpt2. Default: from the model's vocabulary size (256 byte, 257 byte-eot, 50257 gpt2).")]
    public string? Tokenizer { get; set; }

    [CommandOption("--context <N>")]
    [Description("Tokens per training or evaluation sequence. Default: the model's context length (it cannot be longer).")]
    public int? Context { get; set; }

    [CommandOption("--batch <N>")]
    [Description("Sequences per batch.")]
    [DefaultValue(8)]
    public int Batch { get; set; } = 8;

    [CommandOption("--validation <FRACTION>")]
    [Description("Fraction of the corpus's sequences, the last ones, held out for validation, in (0, 1). The same value and --context give train and eval the same held-out text.")]
    [DefaultValue(DefaultValidationFraction)]
    public double Validation { get; set; } = DefaultValidationFraction;

    public override ValidationResult Validate()
    {
        if (Context is < 1) return ValidationResult.Error($"--context must be at least 1 (got {Context}).");
        if (Batch < 1) return ValidationResult.Error($"--batch must be at least 1 (got {Batch}).");
        if (!(Validation > 0 && Validation < 1)) return ValidationResult.Error($"--validation must be in (0, 1) (got {Validation}).");
        return ValidationResult.Success();
    }
}
