using LinearDsl.Models.Tests;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Study.Tests;

/// <summary>The study's variants (Cli/LinearDsl.Study/StudyModels.cs): level parameter counts, exact forms, and the one leaky variant caught.</summary>
public sealed class StudyModelTests
{
    static readonly Dictionary<string, ModelConfig> Causal = new()
    {
        [nameof(StudySoftmax)] = StudySoftmax.Config,
        [nameof(StudyEluLinear)] = StudyEluLinear.Config,
        [nameof(StudyReluLinear)] = StudyReluLinear.Config,
        [nameof(StudyPerformer)] = StudyPerformer.Config,
        [nameof(StudyHedgehog)] = StudyHedgehog.Config,
        [nameof(StudyFlashStyle)] = StudyFlashStyle.Config,
        [nameof(StudyLocalOnly)] = StudyLocalOnly.Config,
        [nameof(StudyGlobalOnly)] = StudyGlobalOnly.Config,
        [nameof(StudyLocalGlobal)] = StudyLocalGlobal.Config,
        [nameof(StudyAugmented)] = StudyAugmented.Config,
    };

    public static TheoryData<string> CausalNames => new(Causal.Keys);

    static long Parameters(ModelConfig config)
    {
        using var model = ModelFactory.Create(config, seed: 1);
        return model.parameters().Sum(p => p.numel());
    }

    [Fact]
    public void Every_variant_has_the_reference_parameter_count_within_5_percent()
    {
        long reference = Parameters(StudySoftmax.Config);
        foreach (var (name, config) in Causal.Append(new(nameof(StudyLeakyConv), StudyLeakyConv.Config)))
        {
            long count = Parameters(config);
            Math.Abs(count - reference).Should().BeLessThanOrEqualTo(reference / 20, $"{name} has {count} parameters, the softmax reference {reference}");
        }
        // Without the narrower MLP Hedgehog's feature map would put it about 8 % over.
        Parameters(StudyHedgehog.Config with { MlpHidden = 344 }).Should().BeGreaterThan(reference + reference / 20);
    }

    [Theory]
    [MemberData(nameof(CausalNames))]
    public void Forward_step_loop_and_verify_commit_agree_and_the_variant_is_causal(string name)
    {
        using var model = ModelFactory.Create(Causal[name], seed: 1, ScalarType.Float64);
        FormChecks.FormsAgreeAndModelIsCausal(model, time: 140, prefill: 125, probedPosition: 70);   // the block crosses the group boundary at 128
    }

    [Fact]
    public void The_leaky_conv_variant_trains_in_forward_only_and_the_probe_flags_it()
    {
        StudyLeakyConv.Config.Mixer.Augmented!.NonCausalSettings.Should().Be("ConvPadding = Centered");
        using var model = StudyLeakyConv.Create(1, ScalarType.Float64);
        FormChecks.RandomizeAugmentation(model);
        var report = CausalityProbe.Check(model, 140, 70, 5);
        report["forward"].Verdict.Should().Be(CausalityVerdict.Leaks);
        report["step"].Verdict.Should().Be(CausalityVerdict.Refused);
        report["verify"].Verdict.Should().Be(CausalityVerdict.Refused);
        FluentActions.Invoking(() => model.CreateState(1)).Should().Throw<NotSupportedException>();
    }

    [Fact]
    public void The_draft_is_a_small_draft_of_the_method()
    {
        StudyDraft.DraftTarget.Should().Be(typeof(StudyAugmented));
        StudyDraft.Config.VocabSize.Should().Be(StudyAugmented.Config.VocabSize);
        StudyDraft.Config.Mixer.Kind.Should().Be(StudyAugmented.Config.Mixer.Kind);
        using var draft = StudyDraft.Create();
        using var target = StudyAugmented.Create();
        long Parameters(CausalLanguageModel model) => model.parameters().Sum(p => p.numel());
        Parameters(draft).Should().BeLessThan(Parameters(target) / 5, "a draft must be much cheaper than its target");
    }
}
