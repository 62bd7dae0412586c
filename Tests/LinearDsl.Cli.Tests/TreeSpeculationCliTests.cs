namespace LinearDsl.Cli.Tests;

/// <summary>The --speculation, --tree and --tree-budget flags of generate, chat and bench.</summary>
public sealed class TreeSpeculationCliTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Theory]
    [InlineData("tree", null, null)]
    [InlineData("tree", "3,1,1", null)]
    [InlineData("tree", null, "6")]
    public async Task Greedy_tree_text_is_the_same_as_plain(string mode, string? tree, string? budget)
    {
        string[] common = ["generate", "The sea", "--target", checkpoints.Target, "--max-tokens", "40", "--no-compare"];
        string[] shape = [.. tree is null ? [] : new[] { "--tree", tree }, .. budget is null ? [] : new[] { "--tree-budget", budget }];
        var speculative = await CliRunner.RunAsync([.. common, "--draft", checkpoints.Draft, "--speculation", mode, .. shape]);
        var plain = await CliRunner.RunAsync([.. common, "--no-speculation"]);

        speculative.ExitCode.Should().Be(0, speculative.Output);
        plain.ExitCode.Should().Be(0, plain.Output);
        Text(speculative).Should().Be(Text(plain)).And.StartWith("The sea");
        speculative.Lines().Should().Contain(l => l.StartsWith("tokens per target call"));
    }

    [Theory]
    [InlineData("--speculation", "forest", "chain, tree, heads or heads+draft (got 'forest').")]
    [InlineData("--tree", "2,x", "--tree must list the children per node at each depth")]
    [InlineData("--tree", "0,1", "--tree must list the children per node at each depth")]
    [InlineData("--tree-budget", "0", "--tree-budget: TreeNodeBudget must lie in [1, 256].")]
    [InlineData("--tree", "16,16", "--tree: TreeBranching makes more than 256 nodes")]
    public async Task Bad_values_are_one_line_and_a_non_zero_exit(string option, string value, string message)
    {
        foreach (var command in new[] { "generate", "bench" })
        {
            var result = await CliRunner.RunAsync([command, .. command == "generate" ? new[] { "x" } : [], "--target", checkpoints.Target, "--draft", checkpoints.Draft, option, value]);
            result.ExitCode.Should().NotBe(0);
            result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain(message);
        }
    }

    [Fact]
    public async Task Heads_on_a_target_without_heads_is_one_clear_line()
    {
        var result = await CliRunner.RunAsync(["generate", "x", "--target", checkpoints.Target, "--speculation", "heads"]);
        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("needs a target with Medusa heads").And.Contain("train-heads");
    }

    [Fact]
    public async Task No_speculation_with_a_tree_mode_is_refused()
    {
        var result = await CliRunner.RunAsync(["generate", "x", "--target", checkpoints.Target, "--no-speculation", "--speculation", "tree"]);
        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("--no-speculation decodes the target alone");
    }

    [Fact]
    public async Task Auto_decodes_with_the_heads_of_a_target_that_has_them_and_the_text_is_plain()
    {
        string withHeads = checkpoints.Save("target-with-heads", TinyCheckpoints.Config(width: 32, layers: 2,
            Runtime.Modeling.MixerSpec.AugmentedLinear(2, new Runtime.Mixers.AugmentedLinearAttentionOptions { GroupSize = 16, ConvTaps = 4 })) with
        { MedusaHeads = new Runtime.Modeling.MedusaSpec(4, 1) }, seed: 4);
        string[] common = ["generate", "The sea", "--target", withHeads, "--draft", checkpoints.Draft, "--max-tokens", "40", "--no-compare"];
        var auto = await CliRunner.RunAsync(common);
        var heads = await CliRunner.RunAsync([.. common, "--speculation", "heads", "--tree", "1,1,1,1"]);
        var plain = await CliRunner.RunAsync([.. common, "--no-speculation"]);

        auto.ExitCode.Should().Be(0, auto.Output);
        Text(auto).Should().Be(Text(plain));
        // Heads 1,1,1,1 and auto accept the same tokens per call: the same decoder.
        TokensPerCall(auto).Should().Be(TokensPerCall(heads));
    }

    [Fact]
    public async Task Auto_on_a_target_without_heads_is_chain_speculation()
    {
        string[] common = ["generate", "The sea", "--target", checkpoints.Target, "--draft", checkpoints.Draft, "--max-tokens", "40", "--no-compare"];
        var auto = await CliRunner.RunAsync(common);
        var chain = await CliRunner.RunAsync([.. common, "--speculation", "chain"]);
        auto.ExitCode.Should().Be(0, auto.Output);
        Text(auto).Should().Be(Text(chain));
        TokensPerCall(auto).Should().Be(TokensPerCall(chain));
    }

    static string TokensPerCall(Spectre.Console.Cli.Testing.CommandAppResult result)
        => result.Lines().Single(l => l.StartsWith("tokens per target call", StringComparison.Ordinal));

    static string Text(Spectre.Console.Cli.Testing.CommandAppResult result)
    {
        int rule = result.Output.IndexOf('─');
        rule.Should().BePositive(result.Output);
        int header = result.Output.LastIndexOf('\n', result.Output.LastIndexOf('\n', rule) - 1);
        return result.Output[..header].TrimEnd('\n');
    }
}
