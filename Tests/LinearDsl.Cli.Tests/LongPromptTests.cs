namespace LinearDsl.Cli.Tests;

/// <summary>Prompts longer than the model's context are refused in one line (generate) or not sent (chat), before any prefill.</summary>
public sealed class LongPromptTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task Generate_refuses_a_prompt_longer_than_the_context_in_one_line()
    {
        var result = await CliRunner.RunAsync(["generate", "--target", checkpoints.Target, "--no-speculation", "--max-tokens", "2", new string('a', 120_000)]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output[..Math.Min(300, result.Output.Length)]);
        result.Lines().Should().ContainSingle(l => l.StartsWith("error:")).Which.Should().Contain("120,000 tokens").And.Contain("context of 512 tokens");
    }

    [Fact]
    public async Task Chat_does_not_send_a_megabyte_line_and_goes_on()
    {
        var result = await CliRunner.RunAsync(["chat", "--target", checkpoints.Target, "--no-speculation", "--max-tokens", "3"],
            new string('x', 1 << 20) + "\nhello\n");

        result.ExitCode.Should().Be(0);
        result.Lines().Should().ContainSingle(l => l.StartsWith("error:")).Which.Should().Contain("longer than the model's context of 512 tokens; it was not sent");
        result.Lines().Count(l => l.StartsWith("assistant>")).Should().Be(1, "the short message is answered");
    }

    [Fact]
    public async Task Chat_drops_earlier_messages_when_the_conversation_outgrows_the_context()
    {
        string line = new('y', 200);
        var result = await CliRunner.RunAsync(["chat", "--target", checkpoints.Target, "--no-speculation", "--max-tokens", "3"],
            string.Join("\n", Enumerable.Repeat(line, 4)) + "\n");

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.Contains("the conversation no longer fits the model's context"));
        result.Lines().Count(l => l.StartsWith("(3 tokens,")).Should().Be(4, "every message is answered");
    }
}
