using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Models.Tests;

/// <summary>Every ready-made model is exact in its three forms and causal; the bundled pair is an instance of AugLlama.</summary>
public sealed class ReadyMadeModelTests
{
    public static TheoryData<string> Names => new()
    {
        nameof(AugLlama), nameof(AugLlamaDraft), nameof(SoftmaxLlama), nameof(HybridLlama), nameof(EluLinearLlama), nameof(ReluLinearLlama),
        nameof(PerformerLlama), nameof(HedgehogLlama), nameof(FlashStyleLlama), nameof(Gpt2Softmax), nameof(Gpt2Linear), nameof(Gpt2LinearDraft),
    };

    static CausalLanguageModel Create(string name) => name switch
    {
        nameof(AugLlama) => AugLlama.Create(1, ScalarType.Float64),
        nameof(AugLlamaDraft) => AugLlamaDraft.Create(1, ScalarType.Float64),
        nameof(SoftmaxLlama) => SoftmaxLlama.Create(1, ScalarType.Float64),
        nameof(HybridLlama) => HybridLlama.Create(1, ScalarType.Float64),
        nameof(EluLinearLlama) => EluLinearLlama.Create(1, ScalarType.Float64),
        nameof(ReluLinearLlama) => ReluLinearLlama.Create(1, ScalarType.Float64),
        nameof(PerformerLlama) => PerformerLlama.Create(1, ScalarType.Float64),
        nameof(HedgehogLlama) => HedgehogLlama.Create(1, ScalarType.Float64),
        nameof(FlashStyleLlama) => FlashStyleLlama.Create(1, ScalarType.Float64),
        nameof(Gpt2Softmax) => Gpt2Softmax.Create(1, ScalarType.Float64),
        nameof(Gpt2Linear) => Gpt2Linear.Create(1, ScalarType.Float64),
        nameof(Gpt2LinearDraft) => Gpt2LinearDraft.Create(1, ScalarType.Float64),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_step_loop_and_verify_commit_agree_and_the_model_is_causal(string name)
    {
        using var model = Create(name);
        FormChecks.FormsAgreeAndModelIsCausal(model, time: 70, prefill: 61, probedPosition: 37);   // the block crosses the group boundary at 64
    }

    [Fact]
    public void The_bundled_pair_are_instances_of_AugLlama_and_its_draft()
    {
        string root = RunInfo.FindRepositoryRoot(AppContext.BaseDirectory)!;
        using var target = AugLlama.Load(Path.Combine(root, "Models", "bundled", "target"));
        using var draft = AugLlamaDraft.Load(Path.Combine(root, "Models", "bundled", "draft"));
        target.Config.Should().Be(AugLlama.Config with { InitializerRange = target.Config!.InitializerRange });
        AugLlamaDraft.DraftTarget.Should().Be(typeof(AugLlama));
        draft.VocabSize.Should().Be(target.VocabSize);
        FluentActions.Invoking(() => SoftmaxLlama.Load(Path.Combine(root, "Models", "bundled", "target")))
            .Should().Throw<InvalidDataException>().WithMessage("*different architecture than SoftmaxLlama*");
    }
}
