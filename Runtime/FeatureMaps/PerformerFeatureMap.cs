using LinearDsl.Runtime.Mixers;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.FeatureMaps;

/// <summary>
/// FAVOR+ positive random features (Choromanski et al.): phi(x) = exp(w x' - ||x'||^2 / 2) / sqrt(M) with
/// x' = x / d^(1/4) and M rows of w drawn as blocks of orthogonal Gaussian directions with chi-distributed norms.
/// The projection is a persistent buffer, so a checkpoint reproduces it; <see cref="Redraw"/> draws a new one.
/// </summary>
public sealed class PerformerFeatureMap : FeatureMap
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Tensor projection;
#pragma warning restore IDE1006

    internal PerformerFeatureMap(MixerGeometry geometry, int features, long seed) : base("Performer", geometry, features)
    {
        projection = Draw(seed, features, geometry.HeadDim);
        register_buffer("projection", projection);
        RegisterComponents();
    }

    /// <summary>Replaces the random projection with a new draw from <paramref name="seed"/> (in place).</summary>
    public void Redraw(long seed)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        projection.copy_(Draw(seed, FeatureDim, Geometry.HeadDim).to(projection.dtype, projection.device));
    }

    /// <inheritdoc />
    public override Tensor Queries(Tensor q) => Apply(q);

    /// <inheritdoc />
    public override Tensor Keys(Tensor k) => Apply(k);

    Tensor Apply(Tensor x)
    {
        var scaled = x.mul(Math.Pow(Geometry.HeadDim, -0.25));
        var halfSquaredNorm = scaled.square().sum(-1, keepdim: true).mul(0.5);
        return scaled.matmul(projection.t()).sub(halfSquaredNorm).exp().mul(1.0 / Math.Sqrt(FeatureDim));
    }

    static Tensor Draw(long seed, int features, int dim)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var blocks = new List<Tensor>();
        for (int done = 0; done < features; done += dim)
        {
            var (orthogonal, _) = linalg.qr(randn(dim, dim, ScalarType.Float64, generator: generator));
            blocks.Add(orthogonal.t().narrow(0, 0, Math.Min(dim, features - done)));
        }
        // Norms as of Gaussian rows, so the features stay unbiased estimators of exp(q . k / sqrt(d)).
        var norms = randn(features, dim, ScalarType.Float64, generator: generator).norm(1, true, 2.0f);
        return cat(blocks, 0).mul(norms).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
