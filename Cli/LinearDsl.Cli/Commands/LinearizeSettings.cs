using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>linearize</c>.</summary>
public sealed class LinearizeSettings : CommandSettings
{
    [CommandArgument(0, "<SOURCE>")]
    [Description("A softmax model: a Hugging Face LLaMA or GPT-2 folder (config.json + model.safetensors or a sharded index) or a LinearDsl checkpoint directory.")]
    public string Source { get; set; } = string.Empty;

    [CommandOption("--out <DIR>")]
    [Description("Where the augmented linear model is saved (config.json + model.safetensors).")]
    public string Out { get; set; } = string.Empty;

    [CommandOption("--group-size <G>")]
    [Description("Tokens per group of the local ReLU^2 attention and the grouped global term.")]
    [DefaultValue(64)]
    public int GroupSize { get; set; } = 64;

    [CommandOption("--conv-taps <K>")]
    [Description("Taps of the causal depthwise convolution over V, the current token included.")]
    [DefaultValue(32)]
    public int ConvTaps { get; set; } = 32;

    [CommandOption("--keep-softmax <LAYER>")]
    [Description("A layer (0-based) that stays softmax attention, for a hybrid; repeat for several.")]
    public int[] KeepSoftmax { get; set; } = [];

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out DIR is required: the directory the linearized model is saved to.");
        if (GroupSize < 1) return ValidationResult.Error($"--group-size must be at least 1 (got {GroupSize}).");
        if (ConvTaps < 1) return ValidationResult.Error($"--conv-taps must be at least 1 (got {ConvTaps}).");
        if (KeepSoftmax.Any(l => l < 0)) return ValidationResult.Error("--keep-softmax takes layer indices from 0.");
        return ValidationResult.Success();
    }
}
