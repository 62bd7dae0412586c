namespace LinearDsl.Cli.Tests;

/// <summary>An option given without its value says which option needs one.</summary>
public sealed class MissingValueTests
{
    [Theory]
    [InlineData("generate", "x", "--max-tokens")]
    [InlineData("generate", "--max-tokens")]
    [InlineData("bench", "--max-tokens")]
    [InlineData("inspect", "dir", "--context")]
    public async Task An_option_without_its_value_is_named(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain(args[^1]).And.Contain("needs a value").And.NotContain("__default_command");
    }
}
