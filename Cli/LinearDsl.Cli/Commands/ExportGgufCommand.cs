using System.Globalization;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.Gguf;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>export-gguf DIR --out FILE [--type f32|q8_0]</c>: writes a LLaMA-style softmax checkpoint as a GGUF file that
/// llama.cpp and Ollama load (architecture "llama", byte vocabulary); other checkpoints are refused with the setting
/// that llama.cpp cannot express.
/// </summary>
public sealed class ExportGgufCommand(CliEnvironment environment) : Command<ExportGgufSettings>
{
    public override int Execute(CommandContext context, ExportGgufSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (!Directory.Exists(settings.Directory)) throw new CliException($"checkpoint directory '{settings.Directory}' does not exist.");
        string output = Path.GetFullPath(settings.Out), directory = Path.GetFullPath(settings.Directory);
        string[] inputs = [directory, Path.Combine(directory, Checkpoint.ConfigFileName), Path.Combine(directory, Checkpoint.WeightsFileName)];
        if (inputs.Any(input => string.Equals(Path.TrimEndingDirectorySeparator(input), Path.TrimEndingDirectorySeparator(output), StringComparison.Ordinal)))
            throw new CliException($"--out '{settings.Out}' is the checkpoint or one of its files; give a new file path, e.g. {Path.GetFileName(Path.TrimEndingDirectorySeparator(directory))}.gguf.");
        var type = settings.Type == "q8_0" ? GgufWeightType.Q8_0 : GgufWeightType.F32;
        Spinner.Run(console, $"Exporting {settings.Directory} to GGUF ({settings.Type})", _ =>
        {
            GgufExport.Export(settings.Directory, settings.Out, type);
            return 0;
        });
        double megabytes = new FileInfo(output).Length / 1e6;
        ConsoleText.WriteLine(console, string.Create(CultureInfo.InvariantCulture, $"exported {settings.Directory} to {settings.Out} ({settings.Type}, {megabytes:F1} MB, llama architecture, byte vocabulary)."));
        ConsoleText.WriteLine(console, $"load it with llama.cpp (llama-cli -m {settings.Out}) or Ollama (FROM {settings.Out} in a Modelfile).");
        return 0;
    }
}
