using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using static LinearDsl.Runtime.Tests.Decoding.PairDistributions;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>Tree decoding from the target's Medusa heads, alone and with a draft: greedy identical to plain, sampling exact, states exact.</summary>
public sealed class TreeDecodingHeadsTests
{
    public static IEnumerable<object[]> Cases() =>
        from pair in new[] { "linear", "softmax", "hybrid" }
        from mode in new[] { SpeculationMode.Heads, SpeculationMode.HeadsAndDraft }
        from shape in new[] { "2,2,1", "budget:6" }
        select new object[] { pair, mode, shape };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Greedy_output_is_token_identical_to_plain_greedy(string pair, SpeculationMode mode, string shape)
    {
        var (target, draft) = WithHeads(pair);
        try
        {
            var options = new GenerationOptions { MaxNewTokens = 16, Sampling = SamplingOptions.Greedy };
            var speculation = TreeDecodingGreedyTests.Options(shape) with { Mode = mode };
            foreach (var (batch, promptSeed) in new[] { (1, 5), (3, 7) })
            {
                var prompts = DecodingModels.Prompts(batch, promptSeed);
                using var plain = new PlainDecoder(target).Start(prompts, options);
                plain.RunToEnd();
                using var tree = new TreeSpeculativeDecoder(target, mode == SpeculationMode.Heads ? null : draft, speculation).Start(prompts, options);
                tree.RunToEnd();
                for (int b = 0; b < batch; b++)
                    tree.Generated[b].Should().Equal(plain.Generated[b], $"pair {pair}, {mode}, shape {shape}, row {b}");
                if (mode == SpeculationMode.Heads) tree.Statistics.DraftCalls.Should().Be(0);
            }
        }
        finally
        {
            target.Dispose();
            draft.Dispose();
        }
    }

    [Theory]
    [InlineData(SpeculationMode.Heads)]
    [InlineData(SpeculationMode.HeadsAndDraft)]
    public void Sampled_pairs_follow_the_target_and_the_wrong_variant_does_not(SpeculationMode mode)
    {
        using var scope = NewDisposeScope();
        const int vocab = 4, rows = 6000;
        var sampling = new SamplingOptions { Temperature = 1 };
        using var target = TinyModel(vocab, seed: 1, heads: 2);
        using var draft = TinyModel(vocab, seed: 2, heads: 0);
        long[] prompt = [1, 3, 0];
        var exact = new double[vocab * vocab];
        for (int x1 = 0; x1 < vocab; x1++)
        {
            var logits = target.Forward(tensor(prompt.Append(x1).ToArray(), [1, prompt.Length + 1], ScalarType.Int64));
            var first = TokenDistribution.Probabilities(logits[0, prompt.Length - 1].data<double>().ToArray(), sampling);
            var second = TokenDistribution.Probabilities(logits[0, prompt.Length].data<double>().ToArray(), sampling);
            for (int x2 = 0; x2 < vocab; x2++) exact[x1 * vocab + x2] = first[x1] * second[x2];
        }
        var prompts = Enumerable.Range(0, rows).Select(_ => (IReadOnlyList<long>)prompt).ToArray();
        // Three tokens: the heads first propose in the second round, so the pair (2nd, 3rd) is the one they shape.
        var options = new GenerationOptions { MaxNewTokens = 3, Sampling = sampling, Seed = 5 };
        var exactLater = LaterPairs(target, prompt, sampling, vocab);
        var decoder = new TreeSpeculativeDecoder(target, mode == SpeculationMode.Heads ? null : draft,
            new SpeculationOptions { Mode = mode, TreeBranching = [3, 1] });
        using (var session = decoder.Start(prompts, options))
        {
            session.RunToEnd();
            TotalVariation(Pairs(session, 0, vocab), exact).Should().BeLessThan(0.05);
            TotalVariation(Pairs(session, 1, vocab), exactLater).Should().BeLessThan(0.05);
            session.Statistics.AcceptanceRate.Should().BeInRange(0.05, 0.95);
        }
        using (var wrong = decoder.StartWithoutResidual(prompts, options))
        {
            wrong.RunToEnd();
            TotalVariation(Pairs(wrong, 1, vocab), exactLater).Should().BeGreaterThan(0.1);
        }
    }

    /// <summary>P(x2, x3) = sum over x1 of p(x1) p(x2 | x1) p(x3 | x1, x2).</summary>
    static double[] LaterPairs(CausalLanguageModel model, long[] prompt, SamplingOptions sampling, int vocab)
    {
        var pairs = new double[vocab * vocab];
        for (int x1 = 0; x1 < vocab; x1++)
        {
            for (int x2 = 0; x2 < vocab; x2++)
            {
                long[] text = [.. prompt, x1, x2];
                var logits = model.Forward(tensor(text, [1, text.Length], ScalarType.Int64));
                double p1 = TokenDistribution.Probabilities(logits[0, prompt.Length - 1].data<double>().ToArray(), sampling)[x1];
                double p2 = TokenDistribution.Probabilities(logits[0, prompt.Length].data<double>().ToArray(), sampling)[x2];
                var third = TokenDistribution.Probabilities(logits[0, prompt.Length + 1].data<double>().ToArray(), sampling);
                for (int x3 = 0; x3 < vocab; x3++) pairs[x2 * vocab + x3] += p1 * p2 * third[x3];
            }
        }
        return pairs;
    }

    static double[] Pairs(DecodingSession session, int start, int vocab)
    {
        var counts = new double[vocab * vocab];
        foreach (var tokens in session.Generated) counts[tokens[start] * vocab + tokens[start + 1]]++;
        return counts.Select(c => c / session.Batch).ToArray();
    }

    static CausalLanguageModel TinyModel(int vocab, ulong seed, int heads)
    {
        var config = new ModelConfig
        {
            VocabSize = vocab, Width = 8, Layers = 1, ContextLength = 16, MlpHidden = 16,
            Mixer = MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 2, ConvTaps = 2, AlphaInit = 0.5 }),
            MedusaHeads = heads > 0 ? new MedusaSpec(heads) : null,
        };
        var model = ModelFactory.Create(config, seed, ScalarType.Float64);
        DecodingModels.Sharpen(model, 75);
        RandomizeHeads(model, seed);
        return model;
    }

    /// <summary>The pair's target with three Medusa heads of random weights (the heads need not be good for exactness).</summary>
    internal static (CausalLanguageModel Target, CausalLanguageModel Draft) WithHeads(string pair)
    {
        var (target, draft) = DecodingModels.Create(pair);
        var config = target.Config! with { MedusaHeads = new MedusaSpec(3) };
        target.Dispose();
        var withHeads = ModelFactory.Create(config, seed: 1, ScalarType.Float64);
        DecodingModels.Sharpen(withHeads);
        RandomizeHeads(withHeads, 3);
        return (withHeads, draft);
    }

    static void RandomizeHeads(CausalLanguageModel model, ulong seed)
    {
        if (model.Medusa is null) return;
        using var noGrad = no_grad();
        var generator = new Generator(seed);
        foreach (var (_, parameter) in model.Medusa.named_parameters()) parameter.copy_(randn(parameter.shape, dtype: parameter.dtype, generator: generator).mul_(0.5));
    }
}
