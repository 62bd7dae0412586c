using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>Greedy tree speculative decoding emits exactly the tokens of greedy decoding of the target, for every tree shape.</summary>
public sealed class TreeDecodingGreedyTests
{
    public static IEnumerable<object[]> PairsAndShapes() =>
        from pair in new[] { "linear", "softmax", "hybrid", "self" }
        from shape in new[] { "1,1,1,1", "2,2,1,1", "3,1", "4", "budget:6", "budget:12" }
        select new object[] { pair, shape };

    [Theory]
    [MemberData(nameof(PairsAndShapes))]
    public void Greedy_tree_output_is_token_identical_to_plain_greedy(string pair, string shape)
    {
        var (target, draft) = DecodingModels.Create(pair);
        try
        {
            var options = new GenerationOptions { MaxNewTokens = 16, Sampling = SamplingOptions.Greedy };
            foreach (var (batch, promptSeed) in new[] { (1, 5), (1, 6), (3, 7) })
            {
                var prompts = DecodingModels.Prompts(batch, promptSeed);
                using var plain = new PlainDecoder(target).Start(prompts, options);
                plain.RunToEnd();
                using var tree = new TreeSpeculativeDecoder(target, draft, Options(shape)).Start(prompts, options);
                tree.RunToEnd();
                for (int b = 0; b < batch; b++)
                    tree.Generated[b].Should().Equal(plain.Generated[b], $"pair {pair}, shape {shape}, prompts {promptSeed}, row {b}");
                tree.Statistics.TargetCalls.Should().BeLessThanOrEqualTo(plain.Statistics.TargetCalls);
            }
        }
        finally
        {
            target.Dispose();
            if (!ReferenceEquals(draft, target)) draft.Dispose();
        }
    }

    [Fact]
    public void A_perfect_draft_fills_the_deepest_path_every_round()
    {
        var (target, _) = DecodingModels.Create("self");
        using (target)
        {
            var options = new GenerationOptions { MaxNewTokens = 20, Sampling = SamplingOptions.Greedy };
            using var session = new TreeSpeculativeDecoder(target, target, Options("2,1,1,1")).Start(DecodingModels.Prompts(1), options);
            session.RunToEnd();
            session.Statistics.TargetCalls.Should().Be(4, "each round accepts a path of 4 plus the bonus: 20 tokens in 4 calls");
            session.Statistics.MeanAcceptedLength.Should().Be(5);
            session.Statistics.DraftedTokens.Should().Be(4 * 8, "a 2,1,1,1 tree has 8 nodes");
            session.Statistics.AcceptedTokens.Should().Be(4 * 4);
            session.Statistics.DraftCalls.Should().Be(4 * 4, "one draft call per depth whose children it draws");
        }
    }

    [Theory]
    [InlineData(SpeculationMode.Chain, "Mode Chain decodes with SpeculativeDecoder*")]
    [InlineData(SpeculationMode.Heads, "Mode Heads proposes with the target's Medusa heads alone*")]
    public void Wrong_mode_or_model_combinations_are_refused(SpeculationMode mode, string message)
    {
        var (target, draft) = DecodingModels.Create("linear");
        using (target)
        using (draft)
        {
            var act = () => new TreeSpeculativeDecoder(target, draft, new SpeculationOptions { Mode = mode });
            act.Should().Throw<ArgumentException>().WithMessage(message);
            var noDraft = () => new TreeSpeculativeDecoder(target, null, new SpeculationOptions { Mode = SpeculationMode.Tree });
            noDraft.Should().Throw<ArgumentException>().WithMessage("Mode Tree needs a draft model*");
            var noHeads = () => new TreeSpeculativeDecoder(target, null, new SpeculationOptions { Mode = SpeculationMode.Heads });
            noHeads.Should().Throw<ArgumentException>().WithMessage("This target has no Medusa heads*");
        }
    }

    [Theory]
    [InlineData("0,2", "TreeBranching needs at least one depth*")]
    [InlineData("16,16", "TreeBranching makes more than 256 nodes*")]
    [InlineData("budget:0", "TreeNodeBudget must lie in*")]
    public void Bad_tree_settings_are_refused_with_one_clear_message(string shape, string message)
    {
        var act = () => Options(shape).Validate();
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message);
    }

    internal static SpeculationOptions Options(string shape) => shape.StartsWith("budget:", StringComparison.Ordinal)
        ? new SpeculationOptions { Mode = SpeculationMode.Tree, TreeNodeBudget = int.Parse(shape["budget:".Length..]) }
        : new SpeculationOptions { Mode = SpeculationMode.Tree, TreeBranching = shape.Split(',').Select(int.Parse).ToArray() };
}
