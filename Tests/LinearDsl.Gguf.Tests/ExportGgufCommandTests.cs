using System.Text;
using LinearDsl.Cli;
using LinearDsl.Runtime.Modeling;
using Spectre.Console.Cli.Testing;
using Spectre.Console.Testing;

namespace LinearDsl.Gguf.Tests;

/// <summary><c>lineardsl export-gguf</c> end to end, in process.</summary>
public sealed class ExportGgufCommandTests(TinySoftmaxCheckpoints checkpoints) : IClassFixture<TinySoftmaxCheckpoints>
{
    [Fact]
    public async Task Writes_a_GGUF_file_that_llama_cpp_runs()
    {
        string file = Path.Combine(checkpoints.Root, "cli", "tied.gguf");

        var result = await RunAsync(["export-gguf", checkpoints.Tied, "--out", file, "--type", "q8_0"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain($"exported {checkpoints.Tied} to {file} (q8_0");
        Encoding.ASCII.GetString(File.ReadAllBytes(file).AsSpan(0, 4)).Should().Be("GGUF");
        GgufFile.Read(file).Metadata["general.file_type"].Should().Be(7u);
        LlamaCpp.Logits(file, [72, 105]).Should().HaveCount(2);
        Directory.GetFiles(Path.GetDirectoryName(file)!).Should().Equal([file], "the temporary file is renamed, not left behind");
    }

    [Fact]
    public async Task Refuses_to_write_over_the_checkpoints_weights()
    {
        string weights = Path.Combine(checkpoints.Tied, "model.safetensors");
        byte[] before = File.ReadAllBytes(weights);

        var result = await RunAsync(["export-gguf", checkpoints.Tied, "--out", weights]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError);
        result.Output.Trim().Should().StartWith("error: --out").And.Contain("is the checkpoint or one of its files").And.NotContain("\n");
        File.ReadAllBytes(weights).Should().Equal(before);
    }

    [Fact]
    public async Task Refuses_an_augmented_checkpoint_in_one_line()
    {
        var config = TinySoftmaxCheckpoints.Config(MixerSpec.AugmentedLinear(4, new Runtime.Mixers.AugmentedLinearAttentionOptions { GroupSize = 8, ConvTaps = 4 }));
        string directory = checkpoints.Save("cli-augmented", config, seed: 7);
        string file = Path.Combine(checkpoints.Root, "cli-augmented.gguf");

        var result = await RunAsync(["export-gguf", directory, "--out", file]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError);
        result.Output.Trim().Should().StartWith("error: cannot export").And.Contain("layer 0 uses the AugmentedLinear mixer").And.NotContain("\n");
        File.Exists(file).Should().BeFalse();
    }

    [Theory]
    [InlineData("--type", "f16", "--type must be f32 or q8_0")]
    [InlineData(null, null, "--out FILE is required")]
    public async Task Rejects_bad_options(string? option, string? value, string message)
    {
        string[] args = option is null ? ["export-gguf", checkpoints.Tied] : ["export-gguf", checkpoints.Tied, "--out", Path.Combine(checkpoints.Root, "bad.gguf"), option, value!];

        var result = await RunAsync(args);

        result.ExitCode.Should().NotBe(0);
        result.Output.Should().Contain(message);
    }

    static async Task<CommandAppResult> RunAsync(string[] args)
    {
        var tester = new CommandAppTester(new CommandAppTesterSettings { TrimConsoleOutput = true });
        tester.Console.Profile.Width = 400;
        var environment = new CliEnvironment(tester.Console, tester.Console, new StringReader(""), []);
        tester.Configure(config => LineardslApp.Configure(config, environment));
        return await tester.RunAsync(args);
    }
}
