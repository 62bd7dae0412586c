using System.Diagnostics;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Diagnostics;

namespace LinearDsl.Cli.Tests;

/// <summary>The hosting sample as a process: bad settings end it with one line each and no stack trace; the bundled pair works as shipped.</summary>
public sealed class ChatHostTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RunInfo.FindRepositoryRoot(AppContext.BaseDirectory)!,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LinearDsl.Samples.ChatHost.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(patience.Token);
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task A_setting_that_does_not_parse_is_one_line()
    {
        var (code, _, error) = await Run("--LinearDsl:Generation:MaxNewTokens", "abc");

        code.Should().Be(1, error);
        error.Trim().Should().StartWith("error: ").And.Contain("LinearDsl:Generation:MaxNewTokens").And.NotContain("\n", "one line, no stack trace");
    }

    [Fact]
    public async Task A_truncated_checkpoint_is_one_line()
    {
        string broken = AlteredCheckpoint.Copy(checkpoints.Target, checkpoints.Root);
        using (var stream = File.Open(Path.Combine(broken, Checkpoint.WeightsFileName), FileMode.Open)) stream.SetLength(stream.Length / 2);

        var (code, _, error) = await Run("--LinearDsl:Target:CheckpointDirectory", broken);

        code.Should().Be(1, error);
        error.Trim().Should().StartWith("error: ").And.Contain("truncated").And.NotContain("\n", "one line, no stack trace");
    }

    [Fact]
    public async Task The_shipped_settings_work_with_the_bundled_pair()
    {
        var (code, output, error) = await Run("--LinearDsl:Target:CheckpointDirectory", "Models/bundled/target",
            "--LinearDsl:Draft:CheckpointDirectory", "Models/bundled/draft", "--LinearDsl:Generation:MaxNewTokens", "8");

        code.Should().Be(0, error);
        output.Should().Contain("finish reason: length; tokens: ").And.Contain(" in, 8 out");
    }
}
