using System.Text.Json;
using System.Text.RegularExpressions;
using LinearDsl.Study;

namespace LinearDsl.Cli.Tests;

/// <summary>
/// <c>lineardsl study</c> at the micro budget (tiny models, a few steps, short decode contexts): every variant trains,
/// the report has every field for every variant, the leaky variant is flagged and every other passes.
/// </summary>
public sealed class StudyCommandTests(TrainingWorkspace workspace) : IClassFixture<TrainingWorkspace>
{
    static readonly string[] Contexts = ["16", "48"];

    [Fact]
    public async Task A_micro_study_trains_every_variant_and_writes_json_markdown_and_figures()
    {
        string output = workspace.NewDirectory("study");
        var result = await CliRunner.RunAsync(["study", "--budget", "micro", "--corpus", workspace.Corpus, "--out", output, "--seed", "3"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().Contain(l => l.StartsWith("wall time"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, StudyReport.FileName)));
        var root = json.RootElement;
        root.GetProperty("command").GetString().Should().Be($"lineardsl study --budget micro --corpus {workspace.Corpus} --out {output} --seed 3");
        root.GetProperty("budget").GetProperty("name").GetString().Should().Be("micro");
        foreach (var field in new[] { "machine", "commit", "started_utc", "corpus", "tokenizer" })
            root.GetProperty(field).ValueKind.Should().Be(JsonValueKind.String, field);
        root.GetProperty("wall_time_seconds").GetDouble().Should().BeGreaterThan(0);
        root.GetProperty("draft").GetProperty("validation_perplexity").GetDouble().Should().BeGreaterThan(1);

        var variants = root.GetProperty("variants").EnumerateArray().ToArray();
        variants.Select(v => v.GetProperty("key").GetString()).Should().Equal(StudyVariants.All.Select(v => v.Key));
        long reference = root.GetProperty("reference_parameters").GetInt64();
        foreach (var v in variants)
        {
            string key = v.GetProperty("key").GetString()!;
            bool leaky = key == StudyVariants.LeakyConv;
            Math.Abs(v.GetProperty("parameters").GetInt64() - reference).Should().BeLessThanOrEqualTo(reference / 20, key);
            var training = v.GetProperty("training");
            training.GetProperty("losses").GetArrayLength().Should().Be(StudyBudget.Micro.Steps, key);
            training.GetProperty("evaluations").GetArrayLength().Should().Be(2, key);
            v.GetProperty("validation").GetProperty("perplexity").GetDouble().Should().BeGreaterThan(1, key);
            var generation = v.GetProperty("generation_check");
            generation.GetProperty("method").GetString().Should().Be(leaky ? "prefix-forward" : "step", key);
            foreach (var field in new[] { "teacher_forced_loss", "generation_loss", "gap" })
                double.IsFinite(generation.GetProperty(field).GetDouble()).Should().BeTrue($"{key} {field}");
            if (!leaky) generation.GetProperty("consistent").GetBoolean().Should().BeTrue($"{key} is causal, so it predicts the same way token by token");
            v.GetProperty("sample").GetString().Should().NotBeNull();
            Directory.Exists(v.GetProperty("checkpoint").GetString()).Should().BeTrue(key);

            var causality = v.GetProperty("causality");
            causality.GetProperty("forms").GetArrayLength().Should().Be(3, key);
            if (leaky)
            {
                causality.GetProperty("causal").GetBoolean().Should().BeFalse("the probe must flag the leaky conv");
                causality.GetProperty("leaks").GetBoolean().Should().BeTrue("the leaky conv's Forward reads later tokens");
                v.GetProperty("decode").ValueKind.Should().Be(JsonValueKind.Null);
                v.GetProperty("decode_unsupported").GetString().Should().Contain("ConvPadding = Centered");
                v.GetProperty("speculative").ValueKind.Should().Be(JsonValueKind.Null);
                v.GetProperty("speculative_unsupported").GetString().Should().NotBeNullOrEmpty();
                continue;
            }
            causality.GetProperty("causal").GetBoolean().Should().BeTrue($"{key} is causal");
            var decode = v.GetProperty("decode").EnumerateArray().ToArray();
            decode.Select(p => p.GetProperty("context").GetInt32().ToString()).Should().Equal(Contexts, key);
            foreach (var point in decode)
            {
                point.GetProperty("ms_per_token").GetDouble().Should().BeGreaterThan(0, key);
                point.GetProperty("state_bytes").GetInt64().Should().BeGreaterThan(0, key);
            }
            long first = decode[0].GetProperty("state_bytes").GetInt64(), second = decode[1].GetProperty("state_bytes").GetInt64();
            if (key == StudyVariants.Reference) second.Should().BeGreaterThan(first, "the KV cache grows with the context");
            else second.Should().Be(first, $"{key} keeps a constant-size state");
            var speculative = v.GetProperty("speculative");
            speculative.GetProperty("acceptance_rate").GetDouble().Should().BeInRange(0, 1, key);
            speculative.GetProperty("speed_up").GetDouble().Should().BeGreaterThan(0, key);
            speculative.GetProperty("identical").GetBoolean().Should().BeTrue($"greedy speculative decoding of {key} must equal plain decoding");
        }

        var findings = root.GetProperty("findings").EnumerateArray().ToArray();
        findings.Should().HaveCount(10, "the paper's nine claims and whether the augmentation helps on a gated global term");
        foreach (var finding in findings)
        {
            finding.GetProperty("claim").GetString().Should().NotBeNullOrEmpty();
            finding.GetProperty("measured").GetString().Should().NotBeNullOrEmpty();
            finding.GetProperty("verdict").GetString().Should().BeOneOf("agrees", "partly agrees", "disagrees", "not measured");
        }
        findings.Single(f => f.GetProperty("claim").GetString()!.Contains("causality probe")).GetProperty("verdict").GetString().Should().Be("agrees");
        findings.Single(f => f.GetProperty("claim").GetString()!.Contains("exactly the tokens")).GetProperty("verdict").GetString().Should().Be("agrees");

        string markdown = File.ReadAllText(Path.Combine(output, StudyMarkdown.FileName));
        markdown.Should().Contain("lineardsl study --budget micro").And.Contain("These are small models").And.Contain("## Compared with the paper")
            .And.Contain("**LEAKS**").And.Contain(root.GetProperty("machine").GetString()!);
        foreach (var figure in new[] { StudyPlots.ValidationLossFile, StudyPlots.TrainingLossFile, StudyPlots.DecodeLatencyFile, StudyPlots.MemoryFile })
        {
            File.ReadAllBytes(Path.Combine(output, figure)).Take(4).Should().Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], figure);
            markdown.Should().Contain($"]({figure})");
        }
    }

    [Fact]
    public async Task A_subset_of_variants_runs_and_claims_about_the_others_are_not_measured()
    {
        string output = workspace.NewDirectory("subset");
        var result = await CliRunner.RunAsync(["study", "--budget", "micro", "--corpus", workspace.Corpus, "--out", output,
            "--variants", "leaky-conv,softmax", "--contexts", "20", "--steps", "2"]);

        result.ExitCode.Should().Be(0, result.Output);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, StudyReport.FileName)));
        var root = json.RootElement;
        root.GetProperty("variants").EnumerateArray().Select(v => v.GetProperty("key").GetString()).Should().Equal("softmax", "leaky-conv");
        root.GetProperty("variants")[0].GetProperty("training").GetProperty("losses").GetArrayLength().Should().Be(2);
        root.GetProperty("variants")[0].GetProperty("decode").EnumerateArray().Single().GetProperty("context").GetInt32().Should().Be(20);
        root.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("verdict").GetString()).Should().Contain("not measured");
    }

    [Theory]
    [InlineData("--budget", "huge", "--budget")]
    [InlineData("--variants", "elu,augmented", "softmax")]
    [InlineData("--variants", "softmax,nope", "nope")]
    [InlineData("--contexts", "512,zero", "--contexts")]
    [InlineData("--steps", "0", "--steps")]
    [InlineData("--draft-tokens", "0", "--draft-tokens")]
    [InlineData("--seed", "-1", "--seed")]
    public async Task Bad_arguments_are_one_line_errors(string option, string value, string mentioned)
    {
        var result = await CliRunner.RunAsync(["study", option, value, "--out", workspace.NewDirectory("bad")]);

        result.ExitCode.Should().Be(2, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain(mentioned);
    }

    [Fact]
    public async Task Quick_and_another_budget_contradict_each_other()
    {
        var result = await CliRunner.RunAsync(["study", "--quick", "--budget", "micro"]);

        result.ExitCode.Should().Be(2, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Contain("--quick");
    }

    [Fact]
    public async Task A_missing_corpus_is_one_line()
    {
        var result = await CliRunner.RunAsync(["study", "--budget", "micro", "--corpus", Path.Combine(workspace.Root, "missing.txt"), "--out", workspace.NewDirectory("missing")]);

        result.ExitCode.Should().Be(2, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().StartWith("error:").And.Contain("missing.txt");
    }

    [Fact]
    public async Task Every_option_has_help_text()
    {
        var result = await CliRunner.RunAsync(["study", "--help"]);

        result.ExitCode.Should().Be(0, result.Output);
        foreach (var option in new[] { "--budget", "--quick", "--seed", "--out", "--corpus", "--variants", "--steps", "--contexts", "--draft-tokens" })
        {
            var line = result.Lines().FirstOrDefault(l => l.Contains(option + " ") || l.EndsWith(option));
            line.Should().NotBeNull(option);
            line!.Length.Should().BeGreaterThan(option.Length + 20, $"{option} needs a description");
        }
    }

    [Theory]
    [InlineData("study")]
    [InlineData("linearize-study")]
    public async Task The_variants_help_names_every_variant_the_command_takes(string command)
    {
        var result = await CliRunner.RunAsync([command, "--help"]);

        result.ExitCode.Should().Be(0, result.Output);
        string help = Regex.Replace(result.Output, @"\s+", " ");
        int start = help.IndexOf("--variants <LIST>", StringComparison.Ordinal);
        start.Should().BeGreaterThan(-1, help);
        string description = help[start..help.IndexOf("Default", start, StringComparison.Ordinal)];
        var named = Regex.Matches(description, "[a-z0-9]+(?:-[a-z0-9]+)*").Select(m => m.Value).ToHashSet();
        var keys = command == "study" ? StudyVariants.All.Select(v => v.Key) : LinearizeVariants.Eligible.Select(v => v.Key);
        named.Should().Contain(keys);
    }
}
