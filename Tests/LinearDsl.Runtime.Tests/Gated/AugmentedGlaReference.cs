using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>
/// A gated augmented mixer with seeded random parameters, its inputs, and the expected output from an independent
/// float64 per-token reference: the full GLA recurrence S_t = diag(a_t) S_{t-1} + k^_t v_t^T run token by token, a
/// snapshot B of S at every group start, and o_t = local_t + alpha (q^_t * prod_{u in group, u &lt;= t} a_u) B + conv_t.
/// It shares nothing with the runtime's code (no log-space cumulative sums, no group folds, plain arrays).
/// </summary>
public sealed class AugmentedGlaCase
{
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int GroupSize { get; init; }
    public bool Local { get; init; } = true;
    public bool Conv { get; init; } = true;
    public int ConvTaps { get; init; } = 3;
    public double Temperature { get; init; } = 4;

    public override string ToString() => $"H{Heads}/KV{KvHeads} d{HeadDim} G{GroupSize} local {Local} conv {Conv}";

    /// <summary>A mixer with random alpha, conv kernel and gate parameters (float64).</summary>
    public AugmentedLinearAttention Mixer(int seed = 3)
    {
        var options = new AugmentedLinearAttentionOptions
        {
            GroupSize = GroupSize, ConvTaps = Conv ? ConvTaps : 1, Local = Local, Conv = Conv, Gate = GateKind.Gla, GateTemperature = Temperature,
        };
        var mixer = new AugmentedLinearAttention(new MixerGeometry(Heads, HeadDim, KvHeads), options);
        mixer.to(ScalarType.Float64);
        using var _ = no_grad();
        var generator = new torch.Generator((ulong)seed);
        mixer.Alpha!.fill_(0.8);
        mixer.ConvWeight?.copy_(randn(mixer.ConvWeight.shape, ScalarType.Float64, generator: generator).mul(0.5));
        // Gates spread over (0, 1): logits of order one with tau = 4 give per-token decays from about 0.6 to 1.
        mixer.GateWeight!.copy_(randn(mixer.GateWeight.shape, ScalarType.Float64, generator: generator).mul(0.7));
        mixer.GateBias!.copy_(randn(mixer.GateBias.shape, ScalarType.Float64, generator: generator));
        return mixer;
    }

    /// <summary>Seeded q [batch, heads, time, d], k and v [batch, kv_heads, time, d].</summary>
    public (Tensor Q, Tensor K, Tensor V) Inputs(long batch, long time, int seed = 11)
    {
        var generator = new torch.Generator((ulong)seed);
        return (Forms.Randn(generator, batch, Heads, time, HeadDim), Forms.Randn(generator, batch, KvHeads, time, HeadDim), Forms.Randn(generator, batch, KvHeads, time, HeadDim));
    }

    /// <summary>The expected output [batch, heads, time, d], token by token.</summary>
    public Tensor Reference(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v)
    {
        int batch = (int)q.shape[0], time = (int)q.shape[2], d = HeadDim, perKv = Heads / KvHeads;
        double[] Data(Tensor t) => t.contiguous().data<double>().ToArray();
        double[] qs = Data(q), ks = Data(k), vs = Data(v), w = Data(mixer.GateWeight!), bias = Data(mixer.GateBias!);
        double[] conv = mixer.ConvWeight is null ? [] : Data(mixer.ConvWeight);
        double alpha = mixer.Alpha!.item<double>(), eps = mixer.Options.FeatureEps;
        var output = new double[batch * Heads * time * d];
        double[] Row(double[] x, int b, int heads, int h, int t) => x.AsSpan(((b * heads + h) * time + t) * d, d).ToArray();
        double[] Normalized(double[] x)
        {
            double norm = Math.Max(Math.Sqrt(x.Sum(e => e * e)), eps);
            return x.Select(e => e / norm).ToArray();
        }
        static double LogSigmoid(double x) => x < 0 ? x - Math.Log(1 + Math.Exp(x)) : -Math.Log(1 + Math.Exp(-x));

        for (int b = 0; b < batch; b++)
        {
            for (int kvh = 0; kvh < KvHeads; kvh++)
            {
                var state = new double[d, d];
                var boundary = new double[d, d];
                var decayed = new double[d];   // prod of a_u over the group so far
                for (int t = 0; t < time; t++)
                {
                    int start = t - t % GroupSize;
                    if (t == start)
                    {
                        Array.Copy(state, boundary, state.Length);
                        Array.Fill(decayed, 1.0);
                    }
                    var key = Row(ks, b, KvHeads, kvh, t);
                    var value = Row(vs, b, KvHeads, kvh, t);
                    var keyFeatures = Normalized(key);
                    for (int i = 0; i < d; i++)
                    {
                        double logit = bias[kvh * d + i];
                        for (int j = 0; j < d; j++) logit += key[j] * w[(kvh * d + j) * d + i];
                        double gate = Math.Exp(LogSigmoid(logit) / Temperature);
                        decayed[i] *= gate;
                        for (int j = 0; j < d; j++) state[i, j] = gate * state[i, j] + keyFeatures[i] * value[j];
                    }
                    for (int r = 0; r < perKv; r++)
                    {
                        int h = kvh * perKv + r;
                        var query = Normalized(Row(qs, b, Heads, h, t));
                        var o = new double[d];
                        if (Local)
                        {
                            for (int u = start; u <= t; u++)
                            {
                                var ku = Normalized(Row(ks, b, KvHeads, kvh, u));
                                double score = Math.Max(0, query.Zip(ku, (x, y) => x * y).Sum());
                                var vu = Row(vs, b, KvHeads, kvh, u);
                                for (int j = 0; j < d; j++) o[j] += score * score * vu[j];
                            }
                        }
                        for (int i = 0; i < d; i++)
                            for (int j = 0; j < d; j++) o[j] += alpha * query[i] * decayed[i] * boundary[i, j];
                        if (Conv)
                        {
                            for (int tap = 0; tap < ConvTaps && tap <= t; tap++)
                            {
                                var past = Row(vs, b, KvHeads, kvh, t - tap);
                                for (int j = 0; j < d; j++) o[j] += conv[kvh * ConvTaps + tap] * past[j];
                            }
                        }
                        o.CopyTo(output, ((b * Heads + h) * time + t) * d);
                    }
                }
            }
        }
        return tensor(output, [batch, Heads, time, d], ScalarType.Float64);
    }
}
