using System.Text.Json;

namespace LinearDsl.Cli.Tests;

public sealed class BenchCommandTests(TinyCheckpoints checkpoints) : IClassFixture<TinyCheckpoints>
{
    [Fact]
    public async Task Plain_and_speculative_are_measured_and_written_as_json()
    {
        string json = Path.Combine(checkpoints.Root, "out", "bench.json");
        var result = await CliRunner.RunAsync(["bench", "--target", checkpoints.Target, "--draft", checkpoints.Target,
            "--max-tokens", "16", "--runs", "2", "--json", json]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("plain")).And.Contain(l => l.StartsWith("speculative") && l.Contains("100.0 %"));
        result.Lines().Should().ContainSingle(l => l.StartsWith("speed-up: "));

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var rows = document.RootElement.EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("decoder").GetString()).Should().Equal("plain", "speculative", "speed_up",
            "target step", "target verify of 5 tokens", "draft step", "draft verify of 3 tokens",
            "target prefill of 16 tokens (decode program)", "target prefill of 16 tokens (parallel form)");   // every checkpoint has a decode program
        rows.Select(r => r.GetProperty("unit").GetString()).Should().Equal("tokens/s", "tokens/s", "x", "ms", "ms", "ms", "ms", "ms", "ms");
        rows.Skip(3).Should().OnlyContain(r => r.GetProperty("benchmark").GetString() == "call" && r.GetProperty("value").GetDouble() > 0);
        result.Lines().Should().Contain(l => l.StartsWith("target verify of 5 tokens")).And.Contain(l => l.StartsWith("target prefill of 16 tokens (parallel form)"));
        rows.Should().OnlyContain(r => r.GetProperty("machine").GetString()!.Length > 0 && r.GetProperty("commit").GetString()!.Length > 0
            && r.GetProperty("isa").GetString()!.Contains("->"));
        rows[0].GetProperty("value").GetDouble().Should().BePositive();
        rows[1].GetProperty("acceptance_rate").GetDouble().Should().Be(1.0);
    }

    [Fact]
    public async Task A_declared_model_has_its_prefill_measured_through_the_decode_program_and_the_parallel_form()
    {
        string directory = Path.Combine(checkpoints.Root, "declared-draft");
        using (var model = LinearDsl.Models.AugLlamaDraft.Create(seed: 5)) LinearDsl.Models.AugLlamaDraft.Save(model, directory);
        var result = await CliRunner.RunAsync(["bench", "--target", directory, "--prompt", "In the beginning", "--max-tokens", "4", "--runs", "1"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("target prefill of 16 tokens (decode program)"))
            .And.Contain(l => l.StartsWith("target prefill of 16 tokens (parallel form)"));
    }

    [Fact]
    public async Task A_prompt_longer_than_the_program_limit_is_prefilled_by_the_parallel_form_only()
    {
        string directory = Path.Combine(checkpoints.Root, "declared-draft-long");
        using (var model = LinearDsl.Models.AugLlamaDraft.Create(seed: 6)) LinearDsl.Models.AugLlamaDraft.Save(model, directory);
        string prompt = new('a', LinearDsl.Runtime.Modeling.CausalLanguageModel.FusedPrefillLimit + 1);
        var result = await CliRunner.RunAsync(["bench", "--target", directory, "--prompt", prompt, "--max-tokens", "4", "--runs", "1"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Where(l => l.StartsWith("target prefill")).Should().ContainSingle()
            .Which.Should().StartWith($"target prefill of {prompt.Length} tokens (parallel form)");
    }

    [Fact]
    public async Task Without_a_draft_only_plain_decoding_is_measured()
    {
        var result = await CliRunner.RunAsync(["bench", "--target", checkpoints.Target, "--max-tokens", "8", "--runs", "1"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("plain")).And.NotContain(l => l.StartsWith("speculative") || l.StartsWith("speed-up"));
    }

    [Fact]
    public async Task Without_arguments_and_without_bundled_models_it_says_how_to_pass_them()
    {
        var result = await CliRunner.RunAsync(["bench"], "", Path.Combine(checkpoints.Root, "no-models-here"));

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("Models/bundled/target").And.Contain("--target");
    }

    [Fact]
    public async Task Zero_runs_are_refused()
    {
        var result = await CliRunner.RunAsync(["bench", "--target", checkpoints.Target, "--runs", "0"]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle().Which.Should().Contain("--runs");
    }

    [Fact]
    public async Task An_unwritable_json_path_is_one_line_naming_it()
    {
        string blocker = Path.Combine(checkpoints.Root, "a-file");
        File.WriteAllText(blocker, "not a directory");
        string json = Path.Combine(blocker, "bench.json");

        var result = await CliRunner.RunAsync(["bench", "--target", checkpoints.Target, "--max-tokens", "4", "--runs", "1", "--json", json]);

        result.ExitCode.Should().NotBe(0);
        result.Lines().Should().ContainSingle(l => l.StartsWith("error:")).Which.Should().Contain("--json").And.Contain(json);
    }
}
