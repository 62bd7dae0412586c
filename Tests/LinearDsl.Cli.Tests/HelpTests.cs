namespace LinearDsl.Cli.Tests;

public sealed class HelpTests
{
    [Theory]
    [InlineData("generate", "--no-compare", "plain")]
    [InlineData("chat", "--system", "/exit")]
    [InlineData("inspect", "--context", "DIR")]
    [InlineData("bench", "--json", "--runs")]
    [InlineData("train", "--resume", "--checkpoint-every")]
    [InlineData("distill-draft", "--target", "--kl-temperature")]
    [InlineData("train-heads", "--heads", "--head-layers")]
    [InlineData("eval", "--json", "--all")]
    [InlineData("check-causality", "--position", "DIR")]
    [InlineData("study", "--budget", "--variants")]
    [InlineData("linearize-study", "--lora-rank", "--fractions")]
    public async Task Every_command_documents_its_options(string command, string option, string text)
    {
        var result = await CliRunner.RunAsync([command, "--help"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain(option).And.Contain(text);
    }

    [Fact]
    public async Task An_unknown_command_is_one_line()
    {
        var result = await CliRunner.RunAsync(["frobnicate"]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain("frobnicate");
    }
}
