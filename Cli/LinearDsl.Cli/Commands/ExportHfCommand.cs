using LinearDsl.Cli.Export;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>
/// <c>export-hf DIR --out DIR</c>: writes a softmax checkpoint as a Hugging Face LLaMA or GPT-2 folder that transformers
/// loads (and that <c>linearize</c> and the Hugging Face importer read back); other checkpoints are refused in one line.
/// </summary>
public sealed class ExportHfCommand(CliEnvironment environment) : Command<ExportHfSettings>
{
    public override int Execute(CommandContext context, ExportHfSettings settings, CancellationToken cancellationToken)
    {
        var console = environment.Out;
        if (!Directory.Exists(settings.Directory)) throw new CliException($"checkpoint directory '{settings.Directory}' does not exist.");
        string output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.Out));
        string directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.Directory));
        if (string.Equals(output, directory, StringComparison.Ordinal))
            throw new CliException($"--out '{settings.Out}' is the checkpoint directory itself, whose config.json would be replaced; give a new folder, e.g. {Path.GetFileName(directory)}-hf.");
        if (File.Exists(output)) throw new CliException($"--out '{settings.Out}' is a file; give a folder path.");
        var (architecture, files) = Spinner.Run(console, $"Exporting {settings.Directory} to a Hugging Face folder", _ => HuggingFaceExport.Export(directory, output));
        string name = architecture == HuggingFaceArchitecture.Llama ? "LlamaForCausalLM" : "GPT2LMHeadModel";
        ConsoleText.WriteLine(console, $"exported {settings.Directory} to {settings.Out} ({name}: {string.Join(", ", files)}).");
        ConsoleText.WriteLine(console, $"load it with transformers: AutoModelForCausalLM.from_pretrained(\"{settings.Out}\").");
        return 0;
    }
}
