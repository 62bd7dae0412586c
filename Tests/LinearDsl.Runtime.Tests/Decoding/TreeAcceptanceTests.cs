using LinearDsl.Runtime.Decoding;

namespace LinearDsl.Runtime.Tests.Decoding;

/// <summary>
/// Tree acceptance on a synthetic Markov source (4 tokens; the distribution depends on the last token only): trees
/// are drafted by the real <see cref="TreeDraft"/> shapes, checked by <see cref="TreeAcceptance"/>, and the first two
/// emitted tokens must follow the target exactly, within a statistical bound over many trials. Wrong variants must
/// fail the same bound.
/// </summary>
public sealed class TreeAcceptanceTests
{
    const int Vocab = 4, Trials = 20000;

    // 16 outcomes, 20,000 trials: an exact sampler's expected total variation is about
    // 0.5 * sum_i sqrt(2 p_i (1 - p_i) / (pi N)) <= 0.5 * 16 * sqrt(2 / 16 / (pi * 20000)) ~= 0.011.
    const double Tolerance = 0.03;

    // Target and draft: row t is the distribution after token t, row 4 the one at the start.
    static readonly double[][] P =
    [
        [0.50, 0.20, 0.20, 0.10], [0.10, 0.60, 0.10, 0.20], [0.25, 0.25, 0.40, 0.10], [0.05, 0.15, 0.30, 0.50], [0.45, 0.30, 0.15, 0.10],
    ];

    static readonly double[][] Q =
    [
        [0.10, 0.40, 0.30, 0.20], [0.40, 0.10, 0.40, 0.10], [0.10, 0.50, 0.10, 0.30], [0.40, 0.30, 0.20, 0.10], [0.10, 0.15, 0.35, 0.40],
    ];

    const int Start = 4;

    public static TheoryData<string> Shapes() => new() { "3,2", "2,2,1", "1,1,1", "4", "budget:6" };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void First_two_tokens_follow_the_target(string shape)
    {
        TotalVariation(Exact(), Pairs(DraftShape(shape), Variant.Exact, seed: 3)).Should().BeLessThan(Tolerance);
    }

    [Theory]
    [InlineData("3,2")]
    [InlineData("2,2,1")]
    public void Without_the_residual_update_between_siblings_the_same_test_fails(string shape)
    {
        TotalVariation(Exact(), Pairs(DraftShape(shape), Variant.NoResidualBetweenSiblings, seed: 3)).Should().BeGreaterThan(2 * Tolerance);
    }

    [Fact]
    public void Treating_draws_without_replacement_as_independent_fails_the_same_test()
    {
        TotalVariation(Exact(), Pairs(DraftShape("3,2"), Variant.OriginalDraftDistribution, seed: 3)).Should().BeGreaterThan(2 * Tolerance);
    }

    [Fact]
    public void Typical_acceptance_is_inexact()
    {
        TotalVariation(Exact(), Pairs(DraftShape("3,2"), Variant.TypicalInexact, seed: 3)).Should().BeGreaterThan(2 * Tolerance);
    }

    [Fact]
    public void Greedy_follows_the_argmax_path_and_emits_the_argmax_after_it()
    {
        // Roots 0:a, 1:b; children of node 1: 2:c, 3:d; child of 3: 4:a.
        int[] parents = [-1, -1, 1, 1, 3];
        long[] tokens = [0, 1, 2, 3, 0];
        var target = new[] { OneHot(1), OneHot(3), OneHot(3), OneHot(0), OneHot(0), OneHot(2) };
        var result = TreeAcceptance.Greedy(parents, tokens, target);
        result.Path.Should().Equal(1, 3, 4);
        result.Next.Should().Be(2);

        var none = TreeAcceptance.Greedy(parents, tokens, [OneHot(3), OneHot(0), OneHot(0), OneHot(0), OneHot(0), OneHot(0)]);
        none.Path.Should().BeEmpty();
        none.Next.Should().Be(3);
    }

    [Fact]
    public void Sampling_with_one_hot_targets_equals_greedy()
    {
        var random = new Random(1);
        for (int trial = 0; trial < 200; trial++)
        {
            var tree = Draft(DraftShape("3,2,1"), greedy: false, random);
            var target = Enumerable.Range(0, tree.Count + 1).Select(_ => OneHot(random.Next(Vocab))).ToArray();
            var sampled = TreeAcceptance.Sample(tree.Parents, tree.Tokens, tree.DrawnFrom, target, random);
            var greedy = TreeAcceptance.Greedy(tree.Parents, tree.Tokens, target);
            sampled.Path.Should().Equal(greedy.Path);
            sampled.Next.Should().Be(greedy.Next);
        }
    }

    [Fact]
    public void Bad_trees_are_refused_with_a_clear_message()
    {
        var act = () => TreeAcceptance.Greedy([-1, 1], [0, 1], [OneHot(0), OneHot(0), OneHot(0)]);
        act.Should().Throw<ArgumentException>().WithMessage("Node 1 has parent 1*");
        var slots = () => TreeAcceptance.Greedy([-1], [0], [OneHot(0)]);
        slots.Should().Throw<ArgumentException>().WithMessage("Need 2 target distributions*");
    }

    [Fact]
    public void Greedy_static_tree_is_top_k_per_step()
    {
        var tree = Draft(DraftShape("2,1"), greedy: true, new Random(0));
        // Start: q = [.10, .15, .35, .40] -> roots 3, 2; after 3 the best is 0, after 2 it is 1.
        tree.Parents.Should().Equal(-1, -1, 0, 1);
        tree.Tokens.Should().Equal(3L, 2L, 0L, 1L);
    }

    [Fact]
    public void Budgeted_tree_grows_best_first_and_stays_in_budget()
    {
        var tree = Draft(new DynamicTreeShape(5, 8), greedy: true, new Random(0));
        tree.Count.Should().Be(5);
        // Path probabilities: 3 (.40), 2 (.35), 3->0 (.16), 2->1 (.175), then 1 (.15) beats 3->1 (.12) and 2->1->0 (.07).
        tree.Parents.Should().Equal(-1, -1, 1, 0, -1);
        tree.Tokens.Should().Equal(3L, 2L, 1L, 0L, 1L);
    }

    enum Variant { Exact, NoResidualBetweenSiblings, OriginalDraftDistribution, TypicalInexact }

    static TreeDraftShape DraftShape(string shape) => shape.StartsWith("budget:", StringComparison.Ordinal)
        ? new DynamicTreeShape(int.Parse(shape["budget:".Length..]), 8)
        : new StaticTreeShape(shape.Split(',').Select(int.Parse).ToArray());

    /// <summary>Drafts a tree from the start, evaluating new nodes as the session's draft calls would.</summary>
    static TreeDraft Draft(TreeDraftShape shape, bool greedy, Random random, int context = Start)
    {
        var tree = new TreeDraft();
        tree.SetDistribution(0, Q[context]);
        while (!shape.Grow(tree, greedy, random))
        {
            for (int node = tree.Evaluated; node < tree.Count; node++) tree.SetDistribution(node + 1, Q[tree.Tokens[node]]);
        }
        return tree;
    }

    /// <summary>Empirical distribution of the first two emitted tokens; a round that emits one token is followed by another from there.</summary>
    static double[] Pairs(TreeDraftShape shape, Variant variant, int seed)
    {
        var random = new Random(seed);
        var counts = new double[Vocab * Vocab];
        for (int trial = 0; trial < Trials; trial++)
        {
            var emitted = new List<long>();
            int context = Start;
            while (emitted.Count < 2)
            {
                var tree = Draft(shape, greedy: false, random, context);
                var target = new[] { P[context] }.Concat(tree.Tokens.Select(t => P[t])).ToArray();
                var result = Check(tree, target, variant, random);
                emitted.AddRange(result.Path.Select(n => tree.Tokens[n]));
                emitted.Add(result.Next);
                context = (int)emitted[^1];
            }
            counts[emitted[0] * Vocab + emitted[1]]++;
        }
        return counts.Select(c => c / Trials).ToArray();
    }

    static TreeAcceptanceResult Check(TreeDraft tree, double[][] target, Variant variant, Random random) => variant switch
    {
        Variant.Exact => TreeAcceptance.Sample(tree.Parents, tree.Tokens, tree.DrawnFrom, target, random),
        Variant.NoResidualBetweenSiblings => TreeAcceptance.Sample(tree.Parents, tree.Tokens, tree.DrawnFrom, target, random, residualBetweenSiblings: false),
        Variant.OriginalDraftDistribution => TreeAcceptance.Sample(tree.Parents, tree.Tokens,
            tree.Parents.Select(parent => Q[parent < 0 ? Start : (int)tree.Tokens[parent]]).ToArray(), target, random),
        _ => TreeAcceptanceTypicalInexact.Check(tree.Parents, tree.Tokens, target, random),
    };

    static double[] Exact()
    {
        var pairs = new double[Vocab * Vocab];
        for (int a = 0; a < Vocab; a++)
            for (int b = 0; b < Vocab; b++) pairs[a * Vocab + b] = P[Start][a] * P[a][b];
        return pairs;
    }

    static double[] OneHot(int token)
    {
        var p = new double[Vocab];
        p[token] = 1;
        return p;
    }

    static double TotalVariation(double[] a, double[] b) => 0.5 * a.Zip(b, (x, y) => Math.Abs(x - y)).Sum();
}
