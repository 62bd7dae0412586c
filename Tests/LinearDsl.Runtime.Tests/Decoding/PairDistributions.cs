using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>
/// The sampling-exactness tests' common ground: a tiny float64 model over four tokens, the exact distribution of the
/// first two sampled tokens (from Forward) and the empirical one of a session's rows.
/// </summary>
internal static class PairDistributions
{
    public const int Vocab = 4;

    public static CausalLanguageModel Model(ulong seed, double sharpen)
    {
        var config = new ModelConfig
        {
            VocabSize = Vocab, Width = 8, Layers = 1, ContextLength = 16, MlpHidden = 16,
            Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 2, ConvTaps = 2, AlphaInit = 0.5 }),
        };
        var model = ModelFactory.Create(config, seed, ScalarType.Float64);
        DecodingModels.Sharpen(model, sharpen * 25);
        return model;
    }

    /// <summary>P(x1, x2) = p(x1 | prompt) p(x2 | prompt, x1) under the sampling transform, from Forward.</summary>
    public static double[] ExactPairs(CausalLanguageModel model, long[] prompt, SamplingOptions sampling)
    {
        var pairs = new double[Vocab * Vocab];
        for (int x1 = 0; x1 < Vocab; x1++)
        {
            var logits = model.Forward(tensor(prompt.Append(x1).ToArray(), [1, prompt.Length + 1], ScalarType.Int64));
            var first = TokenDistribution.Probabilities(logits[0, prompt.Length - 1].data<double>().ToArray(), sampling);
            var second = TokenDistribution.Probabilities(logits[0, prompt.Length].data<double>().ToArray(), sampling);
            for (int x2 = 0; x2 < Vocab; x2++) pairs[x1 * Vocab + x2] = first[x1] * second[x2];
        }
        return pairs;
    }

    public static double[] Empirical(DecodingSession session)
    {
        var counts = new double[Vocab * Vocab];
        foreach (var tokens in session.Generated) counts[tokens[0] * Vocab + tokens[1]]++;
        return counts.Select(c => c / session.Batch).ToArray();
    }

    public static double TotalVariation(double[] a, double[] b) => 0.5 * a.Zip(b, (x, y) => Math.Abs(x - y)).Sum();
}
