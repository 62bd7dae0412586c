using System.Globalization;
using LinearDsl.Runtime.Checkpoints;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Cli;

/// <summary>
/// <c>quantize DIR --out DIR</c>: writes a checkpoint whose projections and untied output head are block-wise int8
/// (Q8_0: a float scale per block of 32), which every command loads and decodes through the int8 kernels. The
/// checkpoint is written to a temporary folder next to --out and moved into place, so --out is never half-written.
/// </summary>
public sealed class QuantizeCommand(CliEnvironment environment) : Command<QuantizeSettings>
{
    public override int Execute(CommandContext context, QuantizeSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (!Directory.Exists(settings.Directory)) throw new CliException($"checkpoint directory '{settings.Directory}' does not exist.");
        OutputPaths.CheckNotInput(settings.Out, "--out", settings.Directory, "DIR");
        OutputPaths.CheckDirectory(settings.Out, "--out");
        string output = Path.GetFullPath(settings.Out);
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new CliException($"--out '{settings.Out}' exists and is not empty; give a new directory (nothing is written over).");

        using var model = Spinner.Run(console, $"Loading {settings.Directory}", _ => ModelSource.LoadCheckpoint(settings.Directory, "DIR"));
        if (model.HasInt8Weights)
            throw new CliException($"'{settings.Directory}' already holds int8 weights; quantize its float checkpoint instead.");
        // The quantized weights are float32 values times int8; the tensors that stay float are kept in float32 too.
        if (model.ParameterDtype is not (ScalarType.Float32 or ScalarType.Float64)) model.to(ScalarType.Float32);
        model.QuantizeToInt8();

        string temporary = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.quantize-{Guid.NewGuid():N}");
        try
        {
            Spinner.Run(console, $"Writing {settings.Out}", _ =>
            {
                Checkpoint.Save(model, temporary);
                if (Directory.Exists(output)) Directory.Delete(output);
                Directory.Move(temporary, output);
                return 0;
            });
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
        double before = new FileInfo(Path.Combine(settings.Directory, Checkpoint.WeightsFileName)).Length / 1e6;
        double after = new FileInfo(Path.Combine(output, Checkpoint.WeightsFileName)).Length / 1e6;
        ConsoleText.WriteLine(console, string.Create(CultureInfo.InvariantCulture,
            $"quantized {settings.Directory} to {settings.Out}: projections{(model.TiedEmbeddings ? "" : " and output head")} int8 (Q8_0, a float scale per block of 32), weights {before:F1} MB -> {after:F1} MB."));
        ConsoleText.WriteLine(console, $"measure it with: lineardsl eval {settings.Out}");
        return 0;
    }
}
