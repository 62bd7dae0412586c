using LinearDsl.Generators.Diagnostics;
using LinearDsl.Generators.Tests.Medusa;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;
using TorchSharp;

namespace LinearDsl.Generators.Tests;

/// <summary>[MedusaHeads]: the generated config, the typed API, the baselines, and LDSL1017 for settings out of range.</summary>
public sealed class MedusaGeneratorTests
{
    const string Header = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n[LinearAttention(Heads = 2)]\n";

    [Fact]
    public void Generated_sources_match_the_committed_baselines()
    {
        var source = File.ReadAllText(Path.Combine(GeneratorBaselineTests.SourceDirectory(), "MedusaModels.cs"));
        var (run, compile) = GeneratorHarness.Run(source);
        run.Diagnostics.Should().BeEmpty();
        compile.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).Should().BeEmpty("the generated code compiles without warnings");
        run.GeneratedSources.Should().HaveCount(2);
        string baselines = Path.Combine(GeneratorBaselineTests.SourceDirectory(), "Baselines", "Medusa");
        bool update = Environment.GetEnvironmentVariable("LINEARDSL_UPDATE_BASELINES") == "1";
        if (update) Directory.CreateDirectory(baselines);
        foreach (var generated in run.GeneratedSources)
        {
            var path = Path.Combine(baselines, generated.HintName + ".txt");
            if (update) File.WriteAllText(path, generated.SourceText.ToString());
            generated.SourceText.ToString().Should().Be(File.ReadAllText(path), $"{generated.HintName} must match its baseline");
        }
    }

    [Fact]
    public void The_config_declares_the_heads_and_the_model_has_them()
    {
        TinyMedusa.Config.MedusaHeads.Should().Be(new MedusaSpec(3, 1));
        TinyMedusaSoftmax.Config.MedusaHeads.Should().Be(new MedusaSpec(2, 2) { Storage = MedusaStorage.Float16 });
        TinyMedusa.MedusaHeadCount.Should().Be(3);
        ModelConfigJson.Serialize(TinyMedusa.Config).Should().Contain("\"medusa_heads\": {");

        using var scope = torch.NewDisposeScope();
        using var model = TinyMedusa.Create(seed: 3);
        model.Medusa!.Count.Should().Be(3);
        model.DecodeProgram.Should().NotBeNull("heads do not keep the generated program from serving the model");
        using var state = model.CreateState(2);
        var step = model.StepWithHidden(torch.tensor(new long[] { 1, 2 }, [2, 1]), state);
        var proposals = TinyMedusa.ProposeNext(model, step.Hidden, k: 4);
        (proposals.Heads, proposals.Rows, proposals.K).Should().Be((3, 2, 4));
        var next = step.Logits.argmax(-1);
        for (int row = 0; row < 2; row++)
            proposals.Tokens(0, row)[0].Should().Be(next[row, 0].item<long>(), "untrained heads start as the next-token head");
    }

    [Fact]
    public void Save_and_load_keep_the_heads()
    {
        string directory = Path.Combine(Path.GetTempPath(), "lineardsl-medusa-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var model = TinyMedusaSoftmax.Create(seed: 1);
            TinyMedusaSoftmax.Save(model, directory);
            using var loaded = TinyMedusaSoftmax.Load(directory);
            loaded.Medusa!.Spec.Should().Be(new MedusaSpec(2, 2) { Storage = MedusaStorage.Float16 });
            var entries = SafetensorsHeader.Read(Path.Combine(directory, Checkpoint.WeightsFileName)).Entries;
            entries.Select(e => e.Name).Should().Contain(["medusa.0.0.weight", "medusa.0.1.bias", "medusa.1.1.weight"]);
            entries.Where(e => e.Name.StartsWith("medusa.", StringComparison.Ordinal)).Should().OnlyContain(e => e.Dtype == "F16", "the declaration stores the heads in float16");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("[MedusaHeads(Count = 0)]", "Count = 0", "MedusaHeads.Count is 0; give between 1 and 16 heads")]
    [InlineData("[MedusaHeads(Count = 17)]", "Count = 17", "MedusaHeads.Count is 17")]
    [InlineData("[MedusaHeads(Layers = 0)]", "Layers = 0", "MedusaHeads.Layers is 0; give between 1 and 8 residual blocks per head")]
    [InlineData("[MedusaHeads(Count = 4, Layers = 9)]", "Layers = 9", "MedusaHeads.Layers is 9")]
    public void Settings_out_of_range_are_LDSL1017_at_the_argument(string attribute, string at, string message)
    {
        var source = Header + attribute + "\npublic partial class M;";
        var (run, _) = GeneratorHarness.Run(source);
        var diagnostic = run.Diagnostics.Should().ContainSingle().Subject;
        diagnostic.Id.Should().Be(Descriptors.MedusaHeadsSettingsId);
        var span = diagnostic.Location.SourceSpan;
        source.Substring(span.Start, span.Length).Should().Be(at);
        diagnostic.GetMessage().Should().StartWith(message);
        run.GeneratedSources.Should().BeEmpty("a declaration with an error is not generated");

        var (fixedRun, _) = GeneratorHarness.Run(Header + "[MedusaHeads(Count = 4, Layers = 8)]\npublic partial class M;");
        fixedRun.Diagnostics.Should().BeEmpty();
        fixedRun.GeneratedSources.Single().SourceText.ToString().Should().Contain("MedusaHeads = new global::LinearDsl.Runtime.Modeling.MedusaSpec(4, 8),");
    }

    [Fact]
    public void A_model_without_the_attribute_gets_no_heads_and_no_head_API()
    {
        var (run, _) = GeneratorHarness.Run(Header + "public partial class M;");
        var text = run.GeneratedSources.Single().SourceText.ToString();
        text.Should().NotContain("Medusa").And.NotContain("ProposeNext");
    }

    [Fact]
    public void The_head_API_names_are_taken_and_the_attribute_needs_CausalLM()
    {
        var (taken, _) = GeneratorHarness.Run(Header + "[MedusaHeads]\npublic partial class M { public static int ProposeNext => 0; }");
        taken.Diagnostics.Should().ContainSingle(d => d.Id == Descriptors.GeneratedNameTakenId).Which.GetMessage().Should().Contain("'ProposeNext'");

        var (orphan, _) = GeneratorHarness.Run("using LinearDsl;\nnamespace Demo;\n[MedusaHeads(Count = 2)]\npublic partial class M;");
        orphan.Diagnostics.Should().ContainSingle(d => d.Id == Descriptors.AttributeWithoutModelId).Which.GetMessage().Should().StartWith("[MedusaHeads] on 'M' is ignored");
    }
}
