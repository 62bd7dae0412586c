using System.Text.Json;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>linearize SOURCE --out DIR</c>: turns a softmax model (a Hugging Face LLaMA or GPT-2 folder, or one of our
/// checkpoints) into augmented linear attention, reusing every weight; alpha and the conv kernel start at zero, so the
/// new model begins as "local attention only", as the paper converts pretrained models, and is then fine-tuned with
/// <c>train --from DIR</c>.
/// </summary>
public sealed class LinearizeCommand(CliEnvironment environment) : Command<LinearizeSettings>
{
    public override int Execute(CommandContext context, LinearizeSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (!Directory.Exists(settings.Source)) throw new CliException($"source directory '{settings.Source}' does not exist.");
        OutputPaths.CheckNotInput(settings.Out, "--out", settings.Source, "SOURCE");
        OutputPaths.CheckDirectory(settings.Out, "--out");
        var options = new LinearizeOptions
        {
            Mixer = new AugmentedLinearAttentionOptions { GroupSize = settings.GroupSize, ConvTaps = settings.ConvTaps },
            SoftmaxLayers = settings.KeepSoftmax,
        };
        bool ours = ArchitectureCheckpoints.IsLinearDslCheckpoint(settings.Source);
        using var linear = Spinner.Run(console, $"Linearizing {settings.Source}", _ =>
        {
            if (!ours) return Linearizer.LinearizeFolder(settings.Source, options);
            using var softmax = Checkpoint.Load(settings.Source);
            return Linearizer.Linearize(softmax, options);
        });
        Checkpoint.Save(linear, settings.Out);
        var config = linear.Config!;
        int linearLayers = Enumerable.Range(0, config.Layers).Count(i => config.MixerFor(i).Kind == MixerKind.AugmentedLinear);
        ConsoleText.WriteLine(console, $"linearized {(ours ? "checkpoint" : "Hugging Face folder")} {settings.Source}: {linearLayers} of {config.Layers} layers now augmented linear attention " +
            $"(G = {settings.GroupSize}, K = {settings.ConvTaps}; alpha and conv start at 0).");
        ConsoleText.WriteLine(console, $"saved to {settings.Out}; fine-tune it with: lineardsl train --from {settings.Out} --out <DIR>");
        return 0;
    }
}
