using System.Numerics;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// The decode program of any <see cref="ModelConfig"/>, built at run time: the same <see cref="FusedFrame{T}"/>
/// calls in the same order as a generated program, with the layers, sizes and kinds read from the config instead of
/// written into the code, so that checkpoints loaded by config alone (Hugging Face imports, linearized models,
/// trained or study models) decode fused too. <see cref="ModelFactory.Create"/> attaches it when no generated
/// program of the architecture is registered (<see cref="DecodePrograms.For"/>).
/// </summary>
internal sealed class ConfigDecodeProgram : FusedDecodeProgram
{
    readonly LayerPlan[] _layers;
    readonly int _maxProjection, _maxMixed;

    /// <summary>The program of <paramref name="config"/>.</summary>
    public ConfigDecodeProgram(ModelConfig config) : base(config)
    {
        _layers = new LayerPlan[config.Layers];
        for (int layer = 0; layer < config.Layers; layer++)
        {
            var spec = config.MixerFor(layer);
            int headDim = config.Width / spec.Heads;
            _layers[layer] = new LayerPlan((spec.Heads + 2 * spec.KvHeads) * headDim, spec.Heads * headDim, spec.Kind == MixerKind.AugmentedLinear);
        }
        _maxProjection = _layers.Max(l => l.Projection);
        _maxMixed = _layers.Max(l => l.Mixed);
    }

    /// <summary>Sizes of one layer: its fused q/k/v projection and its mixer's output per token, and whether the managed augmented kernel mixes it.</summary>
    readonly record struct LayerPlan(int Projection, int Mixed, bool Augmented);

    /// <inheritdoc />
    protected override void Run<T>(FusedFrame<T> f)
    {
        var config = Config;
        bool layerNorm = config.Norm == NormKind.LayerNorm, swiGlu = config.Mlp == MlpKind.SwiGlu, bias = config.AttentionBias;
        double eps = config.NormEps;
        // Scratch rows: the residual stream, its normed copy, the fused q/k/v projection, the mixer's output, the MLP's hidden layer.
        var x = f.Buffer(config.Width);
        var h = f.Buffer(config.Width);
        var qkvRows = f.Buffer(_maxProjection);
        var mixedRows = f.Buffer(_maxMixed);
        var gate = f.Buffer(config.MlpHidden);
        var up = swiGlu ? f.Buffer(config.MlpHidden) : default;

        f.Embed(x);
        if (config.Positions == PositionKind.Learned) f.AddPositions(x);
        for (int layer = 0; layer < _layers.Length; layer++)
        {
            var plan = _layers[layer];
            var qkv = qkvRows.Slice(0, plan.Projection * f.Rows);
            var mixed = mixedRows.Slice(0, plan.Mixed * f.Rows);
            if (layerNorm) f.LayerNorm(x, f.InputNorm(layer), f.InputNormBias(layer), eps, h);
            else f.RmsNorm(x, f.InputNorm(layer), eps, h);
            if (bias) f.Linear(h, f.QkvWeight(layer), f.QkvBias(layer), qkv);
            else f.Linear(h, f.QkvWeight(layer), qkv);
            if (plan.Augmented) f.AugmentedMix(layer, qkv, mixed);
            else f.Mix(layer, qkv, mixed);
            if (bias) f.LinearAdd(mixed, f.OutputWeight(layer), f.OutputBias(layer), x);
            else f.LinearAdd(mixed, f.OutputWeight(layer), x);
            if (layerNorm) f.LayerNorm(x, f.PostAttentionNorm(layer), f.PostAttentionNormBias(layer), eps, h);
            else f.RmsNorm(x, f.PostAttentionNorm(layer), eps, h);
            if (swiGlu)
            {
                f.Linear(h, f.GateWeight(layer), gate);
                f.Linear(h, f.UpWeight(layer), up);
                f.SwiGlu(gate, up);
                f.LinearAdd(gate, f.DownWeight(layer), x);
            }
            else
            {
                f.Linear(h, f.FcWeight(layer), f.FcBias(layer), gate);
                f.Gelu(gate);
                f.LinearAdd(gate, f.ProjWeight(layer), f.ProjBias(layer), x);
            }
        }
        if (layerNorm) f.LayerNorm(x, f.FinalNorm(), f.FinalNormBias(), eps, h);
        else f.RmsNorm(x, f.FinalNorm(), eps, h);
        f.Linear(h, f.OutputHead(), f.Logits);
    }
}
