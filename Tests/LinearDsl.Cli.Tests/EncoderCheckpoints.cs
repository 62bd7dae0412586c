using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Cli.Tests;

/// <summary>
/// A tiny random byte encoder (vocabulary 257, [MASK] = 256), a tiny byte seq2seq model (vocabulary 257, end of text
/// 256) with a smaller seq2seq draft, and a causal LM, saved in a temporary folder that is deleted on dispose.
/// </summary>
public sealed class EncoderCheckpoints : IDisposable
{
    public EncoderCheckpoints()
    {
        Root = Path.Combine(Path.GetTempPath(), "lineardsl-cli-enc-" + Guid.NewGuid().ToString("N"));
        Encoder = Path.Combine(Root, "encoder");
        using (var encoder = ModelFactory.CreateEncoder(new ModelConfig
        {
            Architecture = ModelArchitecture.Encoder, VocabSize = 257, MaskTokenId = 256, Width = 16, Layers = 2, ContextLength = 64,
            MlpHidden = 32, Mixer = MixerSpec.Softmax(2, bidirectional: true),
        }, seed: 5))
        {
            Checkpoint.Save(encoder, Encoder);
        }
        Seq2Seq = Path.Combine(Root, "seq2seq");
        using (var seq2seq = ModelFactory.CreateSeq2Seq(new ModelConfig
        {
            Architecture = ModelArchitecture.Seq2Seq, VocabSize = 257, Width = 16, Layers = 1, ContextLength = 64, MlpHidden = 32,
            Mixer = MixerSpec.Softmax(2), Encoder = new EncoderStackConfig { Layers = 1, Mixer = MixerSpec.Softmax(2, bidirectional: true) },
            CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = 2, KvHeads = 2 },
        }, seed: 6))
        {
            Checkpoint.Save(seq2seq, Seq2Seq);
        }
        Seq2SeqDraft = Path.Combine(Root, "seq2seq-draft");
        using (var draft = ModelFactory.CreateSeq2Seq(new ModelConfig
        {
            Architecture = ModelArchitecture.Seq2Seq, VocabSize = 257, Width = 8, Layers = 1, ContextLength = 64, MlpHidden = 16,
            Mixer = MixerSpec.Softmax(1), Encoder = new EncoderStackConfig { Layers = 1, Mixer = MixerSpec.Softmax(1, bidirectional: true) },
            CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Softmax, Heads = 1, KvHeads = 1 },
        }, seed: 8))
        {
            Checkpoint.Save(draft, Seq2SeqDraft);
        }
        Causal = Path.Combine(Root, "causal");
        using (var causal = ModelFactory.Create(TinyCheckpoints.Config(width: 16, layers: 1, MixerSpec.Softmax(2)), seed: 7))
        {
            Checkpoint.Save(causal, Causal);
        }
    }

    public string Root { get; }

    public string Encoder { get; }

    public string Seq2Seq { get; }

    /// <summary>A smaller seq2seq model over the same vocabulary: a draft for <see cref="Seq2Seq"/>.</summary>
    public string Seq2SeqDraft { get; }

    public string Causal { get; }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
