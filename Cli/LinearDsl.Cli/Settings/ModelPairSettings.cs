using System.ComponentModel;
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
}
