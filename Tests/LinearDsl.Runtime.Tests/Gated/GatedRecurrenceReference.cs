using LinearDsl.Runtime.Mixers;

namespace LinearDsl.Runtime.Tests.Gated;

/// <summary>
/// An independent float64 reference of the gated kinds: plain arrays, one token at a time, straight from the
/// definitions (S_t = diag(a_t) S_{t-1} + k'_t v_t^T, o_t = q_t S_t / sqrt(d), then the per-head RMS norm), with the
/// gates recomputed here from the mixer's parameters. No rotary (the forms with rotary are checked against each other).
/// </summary>
public static class GatedRecurrenceReference
{
    /// <summary>Outputs [batch, heads, time, d] for q [batch, heads, time, d], k and v [batch, kv_heads, time, d].</summary>
    public static double[,,,] Run(TokenMixer mixer, Tensor q, Tensor k, Tensor v)
    {
        var g = mixer.Geometry;
        int batch = (int)q.shape[0], time = (int)q.shape[2], d = g.HeadDim, perKv = g.QueriesPerKv;
        var (qa, ka, va) = (Read(q), Read(k), Read(v));
        var output = new double[batch, g.Heads, time, d];
        for (int b = 0; b < batch; b++)
        for (int kv = 0; kv < g.KvHeads; kv++)
        {
            var state = new double[d, d];
            for (int t = 0; t < time; t++)
            {
                var key = new double[d];
                var value = new double[d];
                for (int i = 0; i < d; i++)
                {
                    key[i] = ka[Index(b, kv, t, i, g.KvHeads, time, d)];
                    value[i] = va[Index(b, kv, t, i, g.KvHeads, time, d)];
                }
                var (logGates, input) = Gate(mixer, kv, key);
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++)
                        state[i, j] = Math.Exp(logGates[i]) * state[i, j] + input[i] * value[j];
                for (int h = kv * perKv; h < (kv + 1) * perKv; h++)
                {
                    var o = new double[d];
                    for (int j = 0; j < d; j++)
                        for (int i = 0; i < d; i++) o[j] += qa[Index(b, h, t, i, g.Heads, time, d)] / Math.Sqrt(d) * state[i, j];
                    var (norm, eps) = Norm(mixer);
                    double scale = norm ? 1 / Math.Sqrt(o.Sum(x => x * x) / d + eps) : 1;
                    for (int j = 0; j < d; j++) output[b, h, t, j] = o[j] * scale;
                }
            }
        }
        return output;
    }

    /// <summary>Largest absolute difference between the reference and a [batch, heads, time, d] tensor.</summary>
    public static double MaxAbsDiff(double[,,,] expected, Tensor actual)
    {
        var a = Read(actual);
        int heads = expected.GetLength(1), time = expected.GetLength(2), d = expected.GetLength(3);
        double max = 0;
        for (int b = 0; b < expected.GetLength(0); b++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < time; t++)
                    for (int j = 0; j < d; j++) max = Math.Max(max, Math.Abs(expected[b, h, t, j] - a[Index(b, h, t, j, heads, time, d)]));
        return max;
    }

    /// <summary>log a_t per key dimension and the key that enters the state, for one token of one key/value head.</summary>
    static (double[] LogGates, double[] Input) Gate(TokenMixer mixer, int kv, double[] key)
    {
        int d = key.Length;
        switch (mixer)
        {
            case RetNetAttention:
            {
                int heads = mixer.Geometry.KvHeads;
                double exponent = -5 - (heads == 1 ? 0 : 7.0 * kv / (heads - 1));
                return (Enumerable.Repeat(Math.Log(1 - Math.Pow(2, exponent)), d).ToArray(), key);
            }
            case GlaAttention gla:
            {
                var w = Read(gla.GateWeight);
                var bias = Read(gla.GateBias);
                var logs = new double[d];
                for (int j = 0; j < d; j++)
                {
                    double logit = bias[kv * d + j];
                    for (int i = 0; i < d; i++) logit += key[i] * w[(kv * d + i) * d + j];
                    logs[j] = LogSigmoid(logit) / gla.Options.GateTemperature;
                }
                return (logs, key);
            }
            case Mamba2Attention mamba:
            {
                var w = Read(mamba.DtWeight);
                double logit = Read(mamba.DtBias)[kv];
                for (int i = 0; i < d; i++) logit += key[i] * w[kv * d + i];
                double dt = logit > 30 ? logit : Math.Log(1 + Math.Exp(logit));
                double log = -Math.Exp(Read(mamba.ALog)[kv]) * dt;
                return (Enumerable.Repeat(log, d).ToArray(), key.Select(x => x * dt).ToArray());
            }
            default:
                throw new ArgumentException($"{mixer.GetType().Name} is not a gated kind.");
        }
    }

    static (bool Norm, double Eps) Norm(TokenMixer mixer) => mixer switch
    {
        RetNetAttention r => (r.Options.OutputNorm, r.Options.NormEps),
        GlaAttention g => (g.Options.OutputNorm, g.Options.NormEps),
        Mamba2Attention m => (m.Options.OutputNorm, m.Options.NormEps),
        _ => throw new ArgumentException(mixer.GetType().Name),
    };

    static double LogSigmoid(double x) => x < 0 ? x - Math.Log(1 + Math.Exp(x)) : -Math.Log(1 + Math.Exp(-x));

    static int Index(int b, int h, int t, int i, int heads, int time, int d) => ((b * heads + h) * time + t) * d + i;

    static double[] Read(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }
}
