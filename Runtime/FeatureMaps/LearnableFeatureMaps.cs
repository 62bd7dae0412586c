using LinearDsl.Runtime.Mixers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.FeatureMaps;

/// <summary>
/// Hedgehog (Zhang et al.): phi(x) = softmax([x W, -x W]) over 2F features, with a learnable W [heads, d, F] for
/// queries and another for keys, initialised near the identity.
/// </summary>
public sealed class HedgehogFeatureMap : FeatureMap
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter query_weight;
    readonly Parameter key_weight;
#pragma warning restore IDE1006

    internal HedgehogFeatureMap(MixerGeometry geometry, int width, long seed) : base("Hedgehog", geometry, 2 * width)
    {
        var generator = new Generator((ulong)seed);
        query_weight = new Parameter(NearIdentity(geometry.Heads, geometry.HeadDim, width, generator));
        key_weight = new Parameter(NearIdentity(geometry.KvHeads, geometry.HeadDim, width, generator));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Queries(Tensor q) => Apply(q, query_weight);

    /// <inheritdoc />
    public override Tensor Keys(Tensor k) => Apply(k, key_weight);

    static Tensor Apply(Tensor x, Tensor weight)
    {
        var projected = x.matmul(weight);
        return cat(new[] { projected, projected.neg() }, -1).softmax(-1);
    }

    static Tensor NearIdentity(int heads, int dim, int width, Generator generator)
    {
        using var scope = NewDisposeScope();
        var w = eye(dim, width).unsqueeze(0).repeat(heads, 1, 1).add(randn(heads, dim, width, generator: generator).mul(0.01));
        return w.MoveToOuterDisposeScope();
    }
}

/// <summary>T2R (Kasai et al.): phi(x) = relu(x W + b) with learnable W [heads, d, F] and b [heads, 1, F] per side.</summary>
public sealed class T2RFeatureMap : FeatureMap
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Parameter query_weight;
    readonly Parameter query_bias;
    readonly Parameter key_weight;
    readonly Parameter key_bias;
#pragma warning restore IDE1006

    internal T2RFeatureMap(MixerGeometry geometry, int width, long seed) : base("T2R", geometry, width)
    {
        var generator = new Generator((ulong)seed);
        double scale = 1.0 / Math.Sqrt(geometry.HeadDim);
        query_weight = new Parameter(randn(geometry.Heads, geometry.HeadDim, width, generator: generator).mul(scale));
        key_weight = new Parameter(randn(geometry.KvHeads, geometry.HeadDim, width, generator: generator).mul(scale));
        query_bias = new Parameter(zeros(geometry.Heads, 1, width));
        key_bias = new Parameter(zeros(geometry.KvHeads, 1, width));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Queries(Tensor q) => q.matmul(query_weight).add(query_bias).relu();

    /// <inheritdoc />
    public override Tensor Keys(Tensor k) => k.matmul(key_weight).add(key_bias).relu();
}
