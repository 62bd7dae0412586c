namespace LinearDsl.Generators.Tests;

/// <summary>
/// The generated source of the declared test models equals the committed baselines (Baselines/*.g.cs.txt, kept
/// out of compilation). After an intended change
/// of the emitter, regenerate them with LINEARDSL_UPDATE_BASELINES=1 and review the diff.
/// </summary>
public sealed class GeneratorBaselineTests
{
    [Fact]
    public void Generated_sources_match_the_committed_baselines()
        => AssertMatchesBaselines("DeclaredModels.cs", Path.Combine(SourceDirectory(), "Baselines"), expectedModels: 6);

    [Fact]
    public void Leaky_declarations_carry_their_settings_into_the_generated_config()
        // Baselines/Leaky/: a non-causal setting keeps its value only when it takes effect, so a causal
        // declaration's config holds the causal defaults.
        => AssertMatchesBaselines("LeakyModels.cs", Path.Combine(SourceDirectory(), "Baselines", "Leaky"), expectedModels: null);

    [Fact]
    public void Encoder_and_seq2seq_sources_match_the_committed_baselines()
        => AssertMatchesBaselines("EncoderModels.cs", Path.Combine(SourceDirectory(), "Baselines", "Encoders"), expectedModels: 7);

    /// <summary>Generates the declarations of a source file and compares every generated file with its baseline.</summary>
    static void AssertMatchesBaselines(string declarations, string baselines, int? expectedModels)
    {
        var source = File.ReadAllText(Path.Combine(SourceDirectory(), declarations));
        var (run, compile) = GeneratorHarness.Run(source);
        run.Diagnostics.Should().BeEmpty();
        compile.Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).Should().BeEmpty("the generated code compiles without warnings");
        if (expectedModels is int count) run.GeneratedSources.Should().HaveCount(count);

        bool update = Environment.GetEnvironmentVariable("LINEARDSL_UPDATE_BASELINES") == "1";
        if (update) Directory.CreateDirectory(baselines);
        foreach (var generated in run.GeneratedSources)
        {
            var path = Path.Combine(baselines, generated.HintName + ".txt");
            var text = generated.SourceText.ToString();
            if (update) File.WriteAllText(path, text);
            File.Exists(path).Should().BeTrue($"a baseline exists for {generated.HintName} (set LINEARDSL_UPDATE_BASELINES=1 to write it)");
            text.Should().Be(File.ReadAllText(path), $"{generated.HintName} must match its baseline");
        }
        Directory.GetFiles(baselines, "*.g.cs.txt").Select(Path.GetFileName).Should().BeEquivalentTo(run.GeneratedSources.Select(s => s.HintName + ".txt"), "no stale baselines");
    }

    [Fact]
    public void A_non_causal_setting_that_takes_no_effect_is_emitted_as_its_causal_default()
    {
        const string source = "using LinearDsl;\nnamespace Demo;\n[CausalLM(VocabSize = 32, Dim = 16, Layers = 2, ContextLength = 64)]\n"
            + "[LinearAttention(Heads = 2, ConvTaps = 1, ConvPadding = ConvPadding.Right, Global = false, InclusiveGlobalPrefix = true, GroupSize = 1, CausalLocal = false)]\npublic partial class M;";
        var (run, _) = GeneratorHarness.Run(source);
        run.Diagnostics.Should().BeEmpty();
        var text = run.GeneratedSources.Single().SourceText.ToString();
        text.Should().Contain("ConvPadding = global::LinearDsl.ConvPadding.Causal").And.Contain("CausalLocal = true").And.Contain("InclusiveGlobalPrefix = false");
    }

    /// <summary>The test project's source folder (baselines are read from and written to the source tree).</summary>
    internal static string SourceDirectory()
        => typeof(GeneratorBaselineTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;
}
