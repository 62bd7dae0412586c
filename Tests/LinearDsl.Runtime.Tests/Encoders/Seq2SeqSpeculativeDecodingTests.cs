using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Encoders;

/// <summary>Speculative seq2seq decoding with a small seq2seq draft: greedy output equals plain greedy decoding (float64).</summary>
public sealed class Seq2SeqSpeculativeDecodingTests
{
    static readonly IReadOnlyList<long>[] Sources =
    [
        [3, 7, 1, 9, 12, 4, 4, 8],
        [5, 2],
        [11, 0, 6, 6, 19, 21, 2, 3, 17, 9, 1],
    ];

    static Seq2SeqModel Draft(string targetName)
    {
        var target = EncoderCatalog.Seq2SeqConfigs[targetName];
        var config = target with
        {
            Layers = 1,
            Mixer = MixerSpec.LinearAttention(2),
            Encoder = new EncoderStackConfig { Layers = 1, Mixer = MixerSpec.LinearAttention(2, new Mixers.LinearAttentionOptions { Bidirectional = true }) },
            CrossAttention = new CrossAttentionSpec { Kind = CrossAttentionKind.Linear, Heads = 2, KvHeads = 2 },
            LayerMixers = new Dictionary<int, MixerSpec>(),
        };
        var draft = ModelFactory.CreateSeq2Seq(config, dtype: ScalarType.Float64);
        EncoderCatalog.Randomize(draft, 99);
        return draft;
    }

    static IReadOnlyList<IReadOnlyList<long>> Run(ITokenDecoder decoder, IReadOnlyList<IReadOnlyList<long>> sources, GenerationOptions options, out DecodingStatistics statistics)
    {
        using var session = decoder.Start(sources, options);
        session.RunToEnd();
        statistics = session.Statistics;
        return session.Generated.Select(g => (IReadOnlyList<long>)g.ToArray()).ToArray();
    }

    [Theory]
    [InlineData("softmax-cross", 1, 2)]
    [InlineData("softmax-cross", 3, 3)]
    [InlineData("linear-cross", 3, 4)]
    [InlineData("linear-cross-performer-gqa-learned", 2, 3)]
    [InlineData("softmax-cross-gqa-gla", 3, 5)]
    public void Greedy_speculative_output_is_token_identical_to_plain_greedy(string name, int batch, int draftTokens)
    {
        using var target = EncoderCatalog.CreateSeq2Seq(name);
        using var draft = Draft(name);
        var sources = Sources.Take(batch).ToArray();
        var options = new GenerationOptions { MaxNewTokens = 20, Sampling = SamplingOptions.Greedy };
        var plain = Run(new Seq2SeqDecoder(target), sources, options, out _);
        var speculative = Run(new Seq2SeqSpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = draftTokens }), sources, options, out var statistics);
        speculative.Should().BeEquivalentTo(plain, o => o.WithStrictOrdering());
        plain.Should().OnlyContain(row => row.Count == 20);
        statistics.TargetCalls.Should().BeLessThanOrEqualTo(20);
        // A draft equal to the target is always accepted, so each target call yields draftTokens + 1 tokens.
        var self = Run(new Seq2SeqSpeculativeDecoder(target, target, new SpeculationOptions { DraftTokens = draftTokens }), sources, options, out var selfStatistics);
        self.Should().BeEquivalentTo(plain, o => o.WithStrictOrdering());
        selfStatistics.AcceptedTokens.Should().Be(selfStatistics.DraftedTokens);
    }

    [Fact]
    public void Greedy_plain_decoding_follows_the_argmax_of_teacher_forcing()
    {
        using var scope = NewDisposeScope();
        using var target = EncoderCatalog.CreateSeq2Seq("softmax-cross");
        var plain = Run(new Seq2SeqDecoder(target), [Sources[0]], new GenerationOptions { MaxNewTokens = 6, Sampling = SamplingOptions.Greedy }, out _)[0];
        var decoderInput = new[] { (long)target.Config.DecoderStartTokenId }.Concat(plain.Take(5)).ToArray();
        var logits = target.Forward(tensor(Sources[0].ToArray()).unsqueeze(0), tensor(decoderInput).unsqueeze(0));
        logits.argmax(-1).squeeze(0).data<long>().ToArray().Should().Equal(plain);
    }

    [Fact]
    public void Sampling_with_a_draft_equal_to_the_target_accepts_every_draft()
    {
        using var target = EncoderCatalog.CreateSeq2Seq("linear-cross");
        var options = new GenerationOptions { MaxNewTokens = 15, Sampling = new SamplingOptions { Temperature = 1 }, Seed = 4 };
        var output = Run(new Seq2SeqSpeculativeDecoder(target, target, new SpeculationOptions { DraftTokens = 3 }), Sources, options, out var statistics);
        output.Should().OnlyContain(row => row.Count == 15 && row.All(t => t >= 0 && t < EncoderCatalog.VocabSize));
        statistics.AcceptedTokens.Should().Be(statistics.DraftedTokens);
        // Same seed, same tokens: a session is deterministic.
        Run(new Seq2SeqSpeculativeDecoder(target, target, new SpeculationOptions { DraftTokens = 3 }), Sources, options, out _).Should().BeEquivalentTo(output, o => o.WithStrictOrdering());
    }

    [Fact]
    public void A_draft_of_another_vocabulary_or_start_token_is_refused()
    {
        using var target = EncoderCatalog.CreateSeq2Seq("softmax-cross");
        using var other = ModelFactory.CreateSeq2Seq(EncoderCatalog.Seq2SeqConfigs["softmax-cross"] with { DecoderStartTokenId = 2 });
        var pair = () => new Seq2SeqSpeculativeDecoder(target, other);
        pair.Should().Throw<ArgumentException>().WithMessage("The draft's decoder starts from token 2 but the target's from 0*");
    }
}
