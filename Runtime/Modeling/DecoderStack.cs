using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The body of a <see cref="CausalLanguageModel"/> (Hugging Face <c>LlamaModel</c>): it exists so that the
/// state-dict keys carry the "model." prefix of Hugging Face causal LMs (model.embed_tokens.weight,
/// model.layers.0..., model.norm.weight) next to the top-level lm_head.weight. It only holds the parts.
/// </summary>
internal sealed class DecoderStack : nn.Module
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    internal readonly Embedding embed_tokens;
    internal readonly Embedding? embed_positions;
    internal readonly ModuleList<DecoderBlock> layers;
    internal readonly Norm norm;
#pragma warning restore IDE1006

    public DecoderStack(Embedding tokens, Embedding? positions, DecoderBlock[] blocks, Norm finalNorm) : base("model")
    {
        embed_tokens = tokens;
        embed_positions = positions;
        layers = nn.ModuleList(blocks);
        norm = finalNorm;
        RegisterComponents();
    }
}
