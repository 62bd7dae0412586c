using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Which checkpoints to load and how to tokenize for them.</summary>
public class ModelPairSettings : CommandSettings
{
    [CommandOption("--target <DIR>")]
    [Description("Checkpoint directory of the target model (config.json + model.safetensors). Default: the bundled Models/bundled/target.")]
    public string? Target { get; set; }

    [CommandOption("--draft <DIR>")]
    [Description("Checkpoint directory of the draft model that proposes tokens. Default: the bundled Models/bundled/draft (only when --target is not given either).")]
    public string? Draft { get; set; }

    [CommandOption("--tokenizer <NAME>")]
    [Description("byte, byte-eot or gpt2. Default: from the target's vocabulary size (256 byte, 257 byte-eot, 50257 gpt2).")]
    public string? Tokenizer { get; set; }

    [CommandOption("--threads <N>")]
    [Description("Torch threads for the parallel form, which prefills prompts longer than 32 tokens (the decode programs use --decode-threads). Default 1: on a small CPU one thread prefills faster than an OpenMP team (148 tokens on the bundled target: about 17 ms with one thread against 37 ms with two on a 2-core VM, docs/models.md).")]
    [DefaultValue(1)]
    public int Threads { get; set; } = 1;

    [CommandOption("--decode-threads <N>")]
    [Description("Threads the decode programs (steps, verifications, prefills up to 32 tokens) split each large projection over; the output is bit-identical for every value. Default: one per core, at most 4.")]
    public int? DecodeThreads { get; set; }

    public override ValidationResult Validate()
    {
        if (Threads is < 1 or > 256) return ValidationResult.Error($"--threads must be between 1 and 256 (got {Threads}).");
        if (DecodeThreads is < 1 or > 256) return ValidationResult.Error($"--decode-threads must be between 1 and 256 (got {DecodeThreads}).");
        return ValidationResult.Success();
    }
}
