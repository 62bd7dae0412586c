using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Cli;

/// <summary>The model a run starts from: a new one from a config file (--config) or a checkpoint (--from).</summary>
public static class ModelSource
{
    /// <summary>Where the model came from, for the log: "config FILE" or "checkpoint DIR".</summary>
    public static string Describe(TrainingSettings settings) =>
        settings.Config is not null ? $"config {settings.Config}" : $"checkpoint {settings.From}";

    /// <summary>Creates the model: seeded random weights from --config, or the weights of --from.</summary>
    /// <exception cref="CliException">The file or directory does not exist.</exception>
    public static CausalLanguageModel Open(TrainingSettings settings)
    {
        if (settings.Config is string file)
        {
            if (!File.Exists(file)) throw new CliException($"model config '{file}' (--config) does not exist.");
            var config = ModelConfigJson.Read(file);
            if (config.Architecture != ModelArchitecture.CausalLM)
                throw new CliException($"model config '{file}' (--config) describes {ArchitectureCheckpoints.Describe(config.Architecture)}; train trains causal LMs. Train it from code with {(config.Architecture == ModelArchitecture.Encoder ? "MaskedLanguageModelTrainer" : "Seq2SeqTrainer")}, as `{LineardslApp.Name} study --{(config.Architecture == ModelArchitecture.Encoder ? "encoders" : "seq2seq")}` does.");
            return ModelFactory.Create(config, (ulong)settings.Seed);
        }
        string directory = settings.From ?? throw new CliException("give --config FILE or --from DIR.");
        var model = LoadCheckpoint(directory, "--from");
        if (!model.HasInt8Weights) return model;
        model.Dispose();
        throw new CliException($"'{directory}' (--from) holds int8 weights, which have no gradients; train from its float checkpoint and quantize the result.");
    }

    /// <summary>Loads the checkpoint in <paramref name="directory"/>, naming <paramref name="option"/> when it is missing.</summary>
    /// <exception cref="CliException">The directory or one of its files does not exist.</exception>
    public static CausalLanguageModel LoadCheckpoint(string directory, string option)
    {
        if (!Directory.Exists(directory)) throw new CliException($"checkpoint directory '{directory}' ({option}) does not exist.");
        foreach (var name in new[] { Checkpoint.ConfigFileName, Checkpoint.WeightsFileName })
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path))
                throw new CliException($"'{path}' ({option}) is missing: a checkpoint directory holds {Checkpoint.ConfigFileName} and {Checkpoint.WeightsFileName}.");
        }
        ArchitectureCheckpoints.RequireCausal(directory, option, $"this command takes a causal LM (`{LineardslApp.Name} embed` and `fill-mask` take encoders, `{LineardslApp.Name} generate --target DIR` seq2seq models)");
        return Checkpoint.Load(directory);
    }
}
