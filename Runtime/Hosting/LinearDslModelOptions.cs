namespace LinearDsl.Runtime.Hosting;

/// <summary>Where a model comes from when it is not registered from code: a checkpoint directory.</summary>
public sealed class LinearDslModelOptions
{
    /// <summary>
    /// A directory written by <see cref="Checkpoints.Checkpoint.Save(Modeling.CausalLanguageModel, string)"/> (config.json and
    /// model.safetensors), or null when the model is registered from code or (for the draft) absent.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>
    /// Element type to load the weights in: "float32", "float64", "float16" or "bfloat16"; null keeps the type stored
    /// in the weights file. Ignored for models registered from code.
    /// </summary>
    public string? DType { get; set; }

    /// <summary>Device to load the model on: "cpu" (default), "cuda" or "cuda:N". Ignored for models registered from code.</summary>
    public string? Device { get; set; }

    /// <summary>Whether a checkpoint directory is set.</summary>
    internal bool HasCheckpoint => !string.IsNullOrWhiteSpace(CheckpointDirectory);
}
