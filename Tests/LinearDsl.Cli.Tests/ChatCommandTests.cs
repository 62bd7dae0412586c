namespace LinearDsl.Cli.Tests;

public sealed class ChatCommandTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task Each_line_gets_a_streamed_reply_until_exit()
    {
        var result = await CliRunner.RunAsync(["chat", "--target", checkpoints.Target, "--draft", checkpoints.Draft, "--max-tokens", "12"],
            "Hello\n\nHow are you?\n/exit\nnever read\n");

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Where(l => l.StartsWith("you>")).Should().Equal("you> Hello", "you>", "you> How are you?", "you> /exit");
        result.Lines().Count(l => l.StartsWith("assistant>")).Should().Be(2, "two messages were sent before /exit");
        result.Lines().Count(l => l.StartsWith("(12 tokens,")).Should().Be(2, "each reply ends with its statistics");
        result.Output.Should().Contain("acceptance");
    }

    [Fact]
    public async Task The_end_of_the_input_ends_the_chat()
    {
        var result = await CliRunner.RunAsync(["chat", "--target", checkpoints.Target, "--no-speculation", "--max-tokens", "5"], "one line");

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Count(l => l.StartsWith("assistant>")).Should().Be(1, result.Output);
        result.Output.Should().NotContain("acceptance", "nothing is drafted without speculation");
    }

    [Fact]
    public async Task A_missing_draft_directory_is_one_line_naming_it()
    {
        string missing = Path.Combine(checkpoints.Root, "nowhere");
        var result = await CliRunner.RunAsync(["chat", "--target", checkpoints.Target, "--draft", missing], "hi\n");

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain(missing).And.Contain("--draft");
    }
}
