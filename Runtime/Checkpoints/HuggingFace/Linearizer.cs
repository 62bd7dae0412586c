using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// Converts a softmax <see cref="CausalLanguageModel"/> into the augmented linear model of the paper (docs/method.md,
/// "The mixers"), or into another linear mixer (<see cref="LinearizeOptions.Target"/>): every layer not kept as
/// softmax gets the linear mixer with the same heads; embeddings,
/// q/k/v/o projections, norms, MLPs and the output head are copied bit for bit; the new mixer parameters start at
/// alpha = <see cref="Mixers.AugmentedLinearAttentionOptions.AlphaInit"/> (0) and a zero conv kernel (a plain linear
/// target's feature map starts as that map prescribes). The result
/// carries its <see cref="ModelConfig"/>, so it saves with <see cref="Checkpoint.Save(CausalLanguageModel, string)"/>.
/// </summary>
public static class Linearizer
{
    /// <summary>A new augmented linear (or hybrid) model with <paramref name="softmaxModel"/>'s weights; the source is left untouched.</summary>
    /// <param name="softmaxModel">A model built from a config whose layers are all causal softmax attention.</param>
    /// <param name="options">Mixer options and the layers that stay softmax; default options when null.</param>
    /// <exception cref="ArgumentException">The model has no config, a layer is not causal softmax attention, or a kept layer does not exist.</exception>
    public static CausalLanguageModel Linearize(CausalLanguageModel softmaxModel, LinearizeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(softmaxModel);
        var config = LinearConfig(softmaxModel, options ?? new LinearizeOptions());
        var model = ModelFactory.Create(config, dtype: softmaxModel.ParameterDtype, device: softmaxModel.ParameterDevice);
        try
        {
            CopyWeights(softmaxModel, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Loads a local Hugging Face LLaMA or GPT-2 folder (<see cref="HuggingFaceCheckpoint.Load"/>) and linearizes it.</summary>
    public static CausalLanguageModel LinearizeFolder(string huggingFaceFolder, LinearizeOptions? options = null, ScalarType? dtype = null, Device? device = null)
    {
        using var softmax = HuggingFaceCheckpoint.Load(huggingFaceFolder, dtype, device);
        return Linearize(softmax, options);
    }

    /// <summary>The config of the linearized model: the source's, with the target linear mixer outside the kept layers.</summary>
    /// <exception cref="ArgumentException">The model has no config, a layer is not causal softmax attention, a kept layer does not exist, or the target is not a linear mixer.</exception>
    public static ModelConfig LinearConfig(CausalLanguageModel softmaxModel, LinearizeOptions options)
    {
        ArgumentNullException.ThrowIfNull(softmaxModel);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Mixer);
        ArgumentNullException.ThrowIfNull(options.SoftmaxLayers);
        var source = softmaxModel.Config ?? throw new ArgumentException(
            "Linearize needs a model built from a ModelConfig (ModelFactory, Checkpoint.Load or HuggingFaceCheckpoint.Load); this one was assembled by hand.", nameof(softmaxModel));
        var problems = new List<string>();
        for (int layer = 0; layer < source.Layers; layer++)
        {
            var spec = source.MixerFor(layer);
            if (spec.Kind != MixerKind.Softmax || spec.Bidirectional)
                problems.Add($"layer {layer} is {(spec.Bidirectional ? "bidirectional softmax" : spec.Kind.ToString())}, but only causal softmax layers are linearized");
        }
        if (options.Target is { Kind: MixerKind.Softmax } target)
            problems.Add($"the Target must be a linear mixer with its own options (MixerSpec.AugmentedLinear or MixerSpec.LinearAttention), not {target.Kind}");
        foreach (int layer in options.SoftmaxLayers.Where(l => l < 0 || l >= source.Layers))
            problems.Add($"SoftmaxLayers names layer {layer}, but the model has layers 0..{source.Layers - 1}");
        if (problems.Count > 0) throw new ArgumentException("Cannot linearize this model: " + string.Join("; ", problems) + ".", nameof(softmaxModel));

        MixerSpec Linear(MixerSpec softmax) => options.Target is { } target
            ? target with { Heads = softmax.Heads, KvHeads = softmax.KvHeads }
            : MixerSpec.AugmentedLinear(softmax.Heads, options.Mixer, softmax.KvHeads);
        var kept = options.SoftmaxLayers.ToHashSet();
        var overrides = new Dictionary<int, MixerSpec>();
        for (int layer = 0; layer < source.Layers; layer++)
        {
            var spec = source.MixerFor(layer);
            if (kept.Contains(layer)) overrides[layer] = spec;
            else if (!Equals(spec, source.Mixer)) overrides[layer] = Linear(spec);
        }
        return source with { Mixer = Linear(source.Mixer), LayerMixers = overrides };
    }

    /// <summary>Copies every tensor of <paramref name="from"/> into the same key of <paramref name="to"/>; only mixer parameters stay new.</summary>
    static void CopyWeights(CausalLanguageModel from, CausalLanguageModel to)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sources = from.state_dict();
        var targets = to.state_dict();
        var uncopied = sources.Keys.Where(k => !targets.ContainsKey(k)).ToList();
        var unexplained = targets.Keys.Where(k => !sources.ContainsKey(k) && !k.Contains(".self_attn.mixer.", StringComparison.Ordinal)).ToList();
        if (uncopied.Count > 0 || unexplained.Count > 0)
            throw new InvalidOperationException($"The linearized model's layout does not match the source: not copied {string.Join(", ", uncopied)}; not initialised {string.Join(", ", unexplained)}.");
        foreach (var (key, target) in targets)
        {
            if (!sources.TryGetValue(key, out var source)) continue;
            if (!source.shape.SequenceEqual(target.shape))
                throw new InvalidOperationException($"'{key}' is {CheckpointShapes.Format(source.shape)} in the source but {CheckpointShapes.Format(target.shape)} in the linearized model.");
            target.copy_(source);
        }
    }
}
