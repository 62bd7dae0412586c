using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>Settings of <c>distill-draft</c>: the draft is the trained model; the target gives the distributions to learn.</summary>
public sealed class DistillDraftSettings : TrainingSettings
{
    [CommandOption("--target <DIR>")]
    [Description("Checkpoint directory of the target whose next-token distributions the draft learns (KL(target || draft) at every position). Needs the draft's vocabulary.")]
    public string? Target { get; set; }

    [CommandOption("--kl-temperature <T>")]
    [Description("Softmax temperature of both distributions in the KL term.")]
    [DefaultValue(1.0)]
    public double KlTemperature { get; set; } = 1.0;

    [CommandOption("--next-token-weight <W>")]
    [Description("Weight in [[0, 1]] of the plain next-token loss mixed into the KL loss.")]
    [DefaultValue(0.0)]
    public double NextTokenWeight { get; set; }

    protected override string CommandName => "distill-draft";

    public override ValidationResult Validate()
    {
        var basic = base.Validate();
        if (!basic.Successful) return basic;
        if (Target is null) return ValidationResult.Error("distill-draft needs --target DIR, the checkpoint of the model the draft learns from.");
        if (!(KlTemperature > 0) || double.IsInfinity(KlTemperature)) return ValidationResult.Error($"--kl-temperature must be a positive number (got {KlTemperature}).");
        if (!(NextTokenWeight >= 0 && NextTokenWeight <= 1)) return ValidationResult.Error($"--next-token-weight must be in [0, 1] (got {NextTokenWeight}).");
        return ValidationResult.Success();
    }
}
