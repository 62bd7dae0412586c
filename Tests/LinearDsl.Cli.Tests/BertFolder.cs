using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LinearDsl.Cli.Tests;

/// <summary>
/// A tiny Hugging Face BERT folder (BertForMaskedLM names, seeded random float32 weights, a WordPiece vocab.txt),
/// written to a temporary folder that is deleted on dispose.
/// </summary>
public sealed class BertFolder : IDisposable
{
    public const int Width = 16, Layers = 2, Hidden = 32, Positions = 32;

    /// <summary>The vocabulary, one token per line as BERT saves it; [MASK] is id 4.</summary>
    public static readonly string[] Vocabulary =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "dog", "ran", "a", "##s", ".", "big"];

    public BertFolder()
    {
        Directory.CreateDirectory(Root);
        File.WriteAllLines(Path.Combine(Root, "vocab.txt"), Vocabulary);
        File.WriteAllText(Path.Combine(Root, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["architectures"] = new[] { "BertForMaskedLM" }, ["model_type"] = "bert", ["hidden_size"] = Width, ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = 2, ["intermediate_size"] = Hidden, ["hidden_act"] = "gelu", ["max_position_embeddings"] = Positions,
            ["type_vocab_size"] = 2, ["vocab_size"] = Vocabulary.Length, ["layer_norm_eps"] = 1e-12,
        }));
        using var scope = NewDisposeScope();
        var generator = new torch.Generator(21);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        void Add(string key, params long[] shape) => tensors[key] = randn(shape, generator: generator).mul(shape.Length == 1 ? 0.1 : 0.3);
        Add("bert.embeddings.word_embeddings.weight", Vocabulary.Length, Width);
        Add("bert.embeddings.position_embeddings.weight", Positions, Width);
        Add("bert.embeddings.token_type_embeddings.weight", 2, Width);
        Add("bert.embeddings.LayerNorm.weight", Width);
        Add("bert.embeddings.LayerNorm.bias", Width);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"bert.encoder.layer.{l}.";
            foreach (var name in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                Add(p + name + ".weight", Width, Width);
                Add(p + name + ".bias", Width);
            }
            foreach (var norm in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                Add(p + norm + ".weight", Width);
                Add(p + norm + ".bias", Width);
            }
            Add(p + "intermediate.dense.weight", Hidden, Width);
            Add(p + "intermediate.dense.bias", Hidden);
            Add(p + "output.dense.weight", Width, Hidden);
            Add(p + "output.dense.bias", Width);
        }
        Add("cls.predictions.transform.dense.weight", Width, Width);
        Add("cls.predictions.transform.dense.bias", Width);
        Add("cls.predictions.transform.LayerNorm.weight", Width);
        Add("cls.predictions.transform.LayerNorm.bias", Width);
        Add("cls.predictions.bias", Vocabulary.Length);
        using var stream = File.Create(Path.Combine(Root, "model.safetensors"));
        Safetensors.SaveStateDict(stream, tensors, leaveOpen: true);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "lineardsl-cli-bert-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
