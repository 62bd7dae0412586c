using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

public static partial class HuggingFaceCheckpoint
{
    /// <summary>
    /// Loads a local Hugging Face T5 folder (T5ForConditionalGeneration: config.json with model_type "t5" or "mt5", and
    /// model.safetensors or shards) into the matching <see cref="Seq2SeqModel"/> (<see cref="HuggingFaceT5Config"/>:
    /// <see cref="T5RelativeAttention"/> in both stacks, softmax cross-attention, the relu, gated-gelu or gated-silu
    /// feed-forward network). Nothing is downloaded. The
    /// model carries its <see cref="ModelConfig"/>, so <c>Checkpoint.Save</c> writes it as a LinearDsl seq2seq checkpoint.
    /// </summary>
    /// <param name="folder">A local Hugging Face model folder.</param>
    /// <param name="dtype">Element type of the model; defaults to the floating type stored in the weights.</param>
    /// <param name="device">Device of the model; defaults to the CPU.</param>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config (lists every difference).</exception>
    /// <exception cref="InvalidDataException">A file is truncated or corrupt, the folder is not a T5 model, or its config asks for something the runtime cannot reproduce (the message names the key).</exception>
    /// <exception cref="FileNotFoundException">config.json, the weights or a shard is missing.</exception>
    public static Seq2SeqModel LoadSeq2Seq(string folder, ScalarType? dtype = null, Device? device = null)
        => LoadMapped(folder, ReadSeq2SeqConfig(folder), dtype, device, (config, type) => ModelFactory.CreateSeq2Seq(config, dtype: type), HuggingFaceT5Weights.Load);

    /// <summary>The seq2seq config that <paramref name="folder"/>'s T5 config.json describes.</summary>
    /// <exception cref="InvalidDataException">The config is not valid JSON, not a T5 model's, or asks for something unsupported.</exception>
    /// <exception cref="FileNotFoundException">The folder has no config.json.</exception>
    public static ModelConfig ReadSeq2SeqConfig(string folder) => ReadConfig(folder, (reader, modelType) =>
    {
        if (modelType is not ("t5" or "mt5")) throw reader.Error(HuggingFaceFamilies.NotSeq2Seq(modelType));
        return HuggingFaceT5Config.Read(reader);
    });
}
