using System.Text.RegularExpressions;
using LinearDsl.Runtime.Modeling;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// Maps every state-dict tensor of a softmax <see cref="CausalLanguageModel"/> to the Hugging Face tensor(s) it is
/// read from. LLaMA names are our own (<see cref="CheckpointKeyMap"/>): the fused q/k/v projection is read from
/// q_proj, k_proj and v_proj (concatenated by rows). GPT-2 names are translated (wte, wpe, h.N.ln_1, attn.c_attn,
/// ...; with or without the "transformer." prefix) and its Conv1D weights, stored [in, out], are transposed.
/// </summary>
internal sealed partial class HuggingFaceKeyMap
{
    HuggingFaceKeyMap(IReadOnlyList<HuggingFaceSource> sources, Func<string, bool> ignorable)
    {
        Sources = sources;
        _ignorable = ignorable;
    }

    readonly Func<string, bool> _ignorable;

    /// <summary>One entry per module tensor, in state-dict order.</summary>
    public IReadOnlyList<HuggingFaceSource> Sources { get; }

    /// <summary>Every Hugging Face tensor the model needs, with its stored shape.</summary>
    public IEnumerable<CheckpointTensor> Expected => Sources.SelectMany(s => s.Parts);

    /// <summary>
    /// The map of <paramref name="model"/> for a checkpoint of <paramref name="architecture"/> whose tensor names are
    /// <paramref name="stored"/> (used only to detect GPT-2's optional "transformer." prefix).
    /// </summary>
    public static HuggingFaceKeyMap For(CausalLanguageModel model, HuggingFaceArchitecture architecture, IEnumerable<string> stored)
    {
        var sources = new List<HuggingFaceSource>();
        string gpt2Prefix = stored.Any(k => k.StartsWith("transformer.", StringComparison.Ordinal)) ? "transformer." : "";
        foreach (var (key, tensor) in model.state_dict())
        {
            long[] shape = tensor.shape;
            sources.Add(architecture switch
            {
                HuggingFaceArchitecture.Llama => Llama(model, key, shape),
                HuggingFaceArchitecture.Gpt2 => Gpt2(key, shape, gpt2Prefix),
                _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, "Unknown architecture."),
            });
        }
        Func<string, bool> ignorable = architecture == HuggingFaceArchitecture.Llama
            ? k => LlamaBuffer().IsMatch(k)
            : k => Gpt2Buffer().IsMatch(k) && k.StartsWith(gpt2Prefix, StringComparison.Ordinal);
        return new HuggingFaceKeyMap(sources, ignorable);
    }

    /// <summary>
    /// Checks the stored tensors against <see cref="Expected"/> and throws one <see cref="CheckpointMismatchException"/>
    /// listing every missing, unexpected and mis-shaped key. Buffers that old exports carry (rotary inv_freq, GPT-2's
    /// causal-mask attn.bias and attn.masked_bias) and, for a tied model, an lm_head.weight are allowed and not read.
    /// </summary>
    public void ThrowIfMismatched(IReadOnlyList<CheckpointTensor> found, string path, bool tied)
    {
        var relevant = found.Where(t => !_ignorable(t.Key) && !(tied && t.Key == "lm_head.weight")).ToList();
        CheckpointMismatchException.ThrowIfDifferent(Expected.ToList(), relevant, path);
    }

    static HuggingFaceSource Llama(CausalLanguageModel model, string key, long[] shape)
    {
        var match = FusedQkv().Match(key);
        if (!match.Success) return new HuggingFaceSource(key, [new CheckpointTensor(key, shape)], Transposed: false);
        var g = model.Layers[int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)].Attention.Mixer.Geometry;
        string prefix = key[..^$"qkv_proj.{match.Groups[2].Value}".Length], tensor = match.Groups[2].Value;
        long query = (long)g.Heads * g.HeadDim, keyValue = (long)g.KvHeads * g.HeadDim;
        return new HuggingFaceSource(key,
        [
            new CheckpointTensor($"{prefix}q_proj.{tensor}", [query, .. shape.Skip(1)]),
            new CheckpointTensor($"{prefix}k_proj.{tensor}", [keyValue, .. shape.Skip(1)]),
            new CheckpointTensor($"{prefix}v_proj.{tensor}", [keyValue, .. shape.Skip(1)]),
        ], Transposed: false);
    }

    static HuggingFaceSource Gpt2(string key, long[] shape, string prefix)
    {
        (string name, bool conv1d) = key switch
        {
            "model.embed_tokens.weight" => (prefix + "wte.weight", false),
            "model.embed_positions.weight" => (prefix + "wpe.weight", false),
            "model.norm.weight" => (prefix + "ln_f.weight", false),
            "model.norm.bias" => (prefix + "ln_f.bias", false),
            "lm_head.weight" => ("lm_head.weight", false),
            _ => Gpt2Layer(key, prefix),
        };
        IReadOnlyList<long> stored = conv1d ? [shape[1], shape[0]] : shape;
        return new HuggingFaceSource(key, [new CheckpointTensor(name, stored)], conv1d);
    }

    static (string Name, bool Conv1D) Gpt2Layer(string key, string prefix)
    {
        var match = LayerKey().Match(key);
        (string? part, bool conv1d) = match.Success ? match.Groups[2].Value switch
        {
            "input_layernorm.weight" => ("ln_1.weight", false),
            "input_layernorm.bias" => ("ln_1.bias", false),
            "post_attention_layernorm.weight" => ("ln_2.weight", false),
            "post_attention_layernorm.bias" => ("ln_2.bias", false),
            "self_attn.qkv_proj.weight" => ("attn.c_attn.weight", true),
            "self_attn.qkv_proj.bias" => ("attn.c_attn.bias", false),
            "self_attn.o_proj.weight" => ("attn.c_proj.weight", true),
            "self_attn.o_proj.bias" => ("attn.c_proj.bias", false),
            "mlp.c_fc.weight" => ("mlp.c_fc.weight", true),
            "mlp.c_fc.bias" => ("mlp.c_fc.bias", false),
            "mlp.c_proj.weight" => ("mlp.c_proj.weight", true),
            "mlp.c_proj.bias" => ("mlp.c_proj.bias", false),
            _ => (null, false),
        } : (null, false);
        if (part is null)
            throw new InvalidOperationException($"The model tensor '{key}' has no GPT-2 counterpart; only softmax GPT-2-style models load from GPT-2 checkpoints.");
        return ($"{prefix}h.{match.Groups[1].Value}.{part}", conv1d);
    }

    [GeneratedRegex(@"^model\.layers\.(\d+)\.self_attn\.qkv_proj\.(weight|bias)$")]
    private static partial Regex FusedQkv();

    [GeneratedRegex(@"^model\.layers\.(\d+)\.(.+)$")]
    private static partial Regex LayerKey();

    [GeneratedRegex(@"^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$")]
    private static partial Regex LlamaBuffer();

    [GeneratedRegex(@"^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$")]
    private static partial Regex Gpt2Buffer();
}

/// <summary>
/// A module tensor and the Hugging Face tensors it is read from: concatenated by rows when there are several
/// (LLaMA q/k/v), transposed when stored as a GPT-2 Conv1D weight [in, out].
/// </summary>
/// <param name="ModuleKey">The model's state-dict key.</param>
/// <param name="Parts">Stored tensors with their stored shapes.</param>
/// <param name="Transposed">The single stored tensor is the transpose of the module tensor.</param>
internal sealed record HuggingFaceSource(string ModuleKey, IReadOnlyList<CheckpointTensor> Parts, bool Transposed)
{
    /// <summary>The module tensor from its loaded parts (call inside a dispose scope).</summary>
    public Tensor Assemble(IReadOnlyDictionary<string, Tensor> parts)
    {
        if (Parts.Count == 1)
        {
            var only = parts[Parts[0].Key];
            return Transposed ? only.t() : only;
        }
        return cat(Parts.Select(p => parts[p.Key]).ToArray(), 0);
    }
}
