using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Models.Tests;

/// <summary>Every ready-made model is exact in its three forms and causal; the bundled pair is an instance of AugLlama.</summary>
public sealed class ReadyMadeModelTests
{
    const double Tolerance = 1e-9;

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
        using var scope = NewDisposeScope();
        using var model = Create(name);
        RandomizeAugmentation(model);
        var tokens = randint(0, 256, [2, 70], dtype: ScalarType.Int64, generator: new torch.Generator(3));
        var expected = model.Forward(tokens);

        using (var state = model.CreateState(2))
        {
            var steps = Enumerable.Range(0, 70).Select(t => model.Step(tokens.narrow(1, t, 1), state)).ToArray();
            cat(steps, 1).sub(expected).abs().max().item<double>().Should().BeLessThan(Tolerance, "Step loop vs Forward");
        }
        using (var state = model.CreateState(2))
        {
            var parts = new List<Tensor> { model.Prefill(tokens.narrow(1, 0, 61), state) };
            var (logits, pending) = model.Verify(tokens.narrow(1, 61, 9), state);   // crosses the group boundary at 64
            using (pending) model.Commit(state, pending, [9, 9]);
            parts.Add(logits);
            cat(parts, 1).sub(expected).abs().max().item<double>().Should().BeLessThan(Tolerance, "Prefill + Verify/Commit vs Forward");
        }
        CausalityProbe.Check(model, 70, 37, 5).IsCausal.Should().BeTrue();
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

    /// <summary>Alpha and the conv kernel start at zero; random values make every part of the mixer count.</summary>
    static void RandomizeAugmentation(CausalLanguageModel model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new torch.Generator(11);
        foreach (var (parameter, value) in model.named_parameters().Where(p => p.name.EndsWith("alpha") || p.name.EndsWith("conv_weight")).Select(p => (p.parameter, 0.5)))
            parameter.copy_(randn(parameter.shape, parameter.dtype, generator: generator).mul(value));
    }
}
