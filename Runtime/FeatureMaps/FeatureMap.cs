using LinearDsl.Runtime.Mixers;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.FeatureMaps;

/// <summary>
/// A feature map phi applied per head to queries [batch, heads, time, d] and keys [batch, kv_heads, time, d];
/// it returns [.., time, FeatureDim] and is non-negative, so a denominator phi(q) . z stays positive.
/// </summary>
public abstract class FeatureMap : nn.Module
{
    /// <summary>Creates the map.</summary>
    protected FeatureMap(string name, MixerGeometry geometry, int featureDim) : base(name)
    {
        Geometry = geometry;
        FeatureDim = featureDim;
    }

    /// <summary>Head layout of the mixer that owns the map.</summary>
    public MixerGeometry Geometry { get; }

    /// <summary>Width of phi(x).</summary>
    public int FeatureDim { get; }

    /// <summary>phi of queries (all heads).</summary>
    public abstract Tensor Queries(Tensor q);

    /// <summary>phi of keys (key/value heads).</summary>
    public abstract Tensor Keys(Tensor k);

    /// <summary>Creates a map of the given kind for a geometry (docs/method.md, "Plain linear attention").</summary>
    /// <param name="kind">Which map: any <see cref="LinearFeatureMap"/> but <see cref="LinearFeatureMap.L2"/>, which is the augmented form.</param>
    /// <param name="geometry">Head layout.</param>
    /// <param name="featureDim">Random features (Performer) or projected width (Hedgehog, T2R); defaults to the head size.</param>
    /// <param name="seed">Seed of random features and initial weights.</param>
    public static FeatureMap Create(LinearFeatureMap kind, MixerGeometry geometry, int? featureDim = null, long seed = 0)
    {
        int width = featureDim ?? geometry.HeadDim;
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(featureDim), width, "The feature dimension must be positive.");
        return kind switch
        {
            LinearFeatureMap.EluPlusOne => new ElementwiseFeatureMap(geometry, kind),
            LinearFeatureMap.Relu => new ElementwiseFeatureMap(geometry, kind),
            LinearFeatureMap.Performer => new PerformerFeatureMap(geometry, width, seed),
            LinearFeatureMap.Hedgehog => new HedgehogFeatureMap(geometry, width, seed),
            LinearFeatureMap.T2R => new T2RFeatureMap(geometry, width, seed),
            LinearFeatureMap.L2 => throw new ArgumentOutOfRangeException(nameof(kind), kind, "L2 is the augmented form, not a feature map of plain linear attention; use AugmentedLinearAttention."),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown feature map."),
        };
    }
}

/// <summary>elu(x) + 1 or relu(x), with no parameters.</summary>
internal sealed class ElementwiseFeatureMap : FeatureMap
{
    readonly LinearFeatureMap _kind;

    public ElementwiseFeatureMap(MixerGeometry geometry, LinearFeatureMap kind) : base(kind.ToString(), geometry, geometry.HeadDim)
    {
        _kind = kind;
        RegisterComponents();
    }

    public override Tensor Queries(Tensor q) => Apply(q);

    public override Tensor Keys(Tensor k) => Apply(k);

    Tensor Apply(Tensor x) => _kind == LinearFeatureMap.Relu ? x.relu() : nn.functional.elu(x, 1.0).add(1);
}
