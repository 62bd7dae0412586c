using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

public static partial class HuggingFaceCheckpoint
{
    /// <summary>
    /// Loads a local Hugging Face BERT folder (config.json with model_type "bert", and model.safetensors or shards:
    /// BertForMaskedLM, BertForPreTraining or a bare BertModel such as a sentence-embedding model) into the matching
    /// <see cref="EncoderModel"/> (<see cref="HuggingFaceBertConfig"/>): post-norm blocks, normalised embeddings with
    /// token types, bidirectional softmax attention, the exact-GELU MLP and BERT's head (none for a BertModel). The pooler
    /// and the next-sentence head are not loaded. Nothing is downloaded. The model carries its <see cref="ModelConfig"/>,
    /// so <c>Checkpoint.Save</c> writes it as a LinearDsl encoder checkpoint.
    /// </summary>
    /// <param name="folder">A local Hugging Face model folder.</param>
    /// <param name="dtype">Element type of the model; defaults to the floating type stored in the weights.</param>
    /// <param name="device">Device of the model; defaults to the CPU.</param>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config (lists every difference).</exception>
    /// <exception cref="InvalidDataException">A file is truncated or corrupt, the folder is not a BERT model, or its config asks for something the runtime cannot reproduce (the message names the key).</exception>
    /// <exception cref="FileNotFoundException">config.json, the weights or a shard is missing.</exception>
    public static EncoderModel LoadEncoder(string folder, ScalarType? dtype = null, Device? device = null)
        => LoadMapped(folder, ReadEncoderConfig(folder), dtype, device, (config, type) => ModelFactory.CreateEncoder(config, dtype: type), HuggingFaceBertWeights.Load);

    /// <summary>
    /// The encoder config that <paramref name="folder"/>'s BERT config.json describes. Whether it has the masked-LM head
    /// is read from the weights' headers; the mask token id from config.json, tokenizer.json or vocab.txt.
    /// </summary>
    /// <exception cref="InvalidDataException">The config is not valid JSON, not a BERT model's, or asks for something unsupported.</exception>
    /// <exception cref="FileNotFoundException">The folder has no config.json or no weights.</exception>
    public static ModelConfig ReadEncoderConfig(string folder) => ReadConfig(folder, (reader, modelType) =>
    {
        if (modelType != "bert") throw reader.Error(HuggingFaceFamilies.NotEncoder(modelType));
        bool hasHead = HuggingFaceBertWeights.HasHead(HuggingFaceWeightFiles.Open(folder).Tensors);
        return HuggingFaceBertConfig.Read(reader, hasHead, HuggingFaceMaskToken.Find(folder, reader));
    });
}
