using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Training;

/// <summary>
/// Attention transfer (LoLCATs stage 1): the student's mixer parameters learn the teacher's per-layer attention
/// outputs; the MSE falls, and every other weight of the student, and the whole teacher, stay bit-identical.
/// </summary>
public sealed class AttentionTransferTests
{
    static readonly AttentionTransferOptions Options = new() { Steps = 25, BatchSize = 4, LearningRate = 2e-2, Seed = 3 };

    static CausalLanguageModel Teacher() => ModelFactory.Create(TrainingFixtures.Config(layers: 2) with { Mixer = MixerSpec.Softmax(2) }, seed: 5, dtype: ScalarType.Float64);

    static Dictionary<string, Tensor> Weights(CausalLanguageModel model)
        => model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    static bool Same(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }

    static Tensor Batch()
    {
        var data = TrainingFixtures.Data().Train;
        return data.Batch([0, 1, 2, 3]).narrow(1, 0, data.ContextLength);
    }

    public static TheoryData<string> Targets => new() { "augmented", "hedgehog" };

    static MixerSpec Target(string name) => name switch
    {
        "augmented" => MixerSpec.AugmentedLinear(2, new AugmentedLinearAttentionOptions { GroupSize = 4, ConvTaps = 3 }),
        "hedgehog" => MixerSpec.LinearAttention(2, new LinearAttentionOptions { FeatureMap = LinearFeatureMap.Hedgehog }),
        "elu" => MixerSpec.LinearAttention(2),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_MSE_falls_and_only_the_mixer_parameters_change(string target)
    {
        using var scope = NewDisposeScope();
        using var teacher = Teacher();
        using var student = Linearizer.Linearize(teacher, new LinearizeOptions { Target = Target(target) });
        var teacherBefore = Weights(teacher);
        var studentBefore = Weights(student);
        var mixer = AttentionTransfer.MixerParameterNames(student);
        mixer.Should().NotBeEmpty().And.OnlyContain(n => n.Contains(".self_attn.mixer.", StringComparison.Ordinal));
        var tokens = Batch();
        double before = AttentionTransfer.Loss(student, teacher, tokens);

        var result = AttentionTransfer.Train(student, teacher, TrainingFixtures.Data().Train, Options);

        double after = AttentionTransfer.Loss(student, teacher, tokens);
        before.Should().BeGreaterThan(0);
        after.Should().BeLessThan(before * 0.9, $"{target}: the mixer learns the softmax outputs (before {before}, after {after})");
        result.Steps.Should().Be(Options.Steps);
        result.Losses.Should().HaveCount(Options.Steps).And.OnlyContain(l => double.IsFinite(l));
        result.TrainableParameters.Should().Be(student.named_parameters().Where(p => mixer.Contains(p.name)).Sum(p => p.parameter.numel()));
        foreach (var (name, parameter) in student.named_parameters())
        {
            if (mixer.Contains(name)) Same(parameter, studentBefore[name]).Should().BeFalse($"{name} is a mixer parameter and trains");
            else Same(parameter, studentBefore[name]).Should().BeTrue($"{name} is frozen");
            parameter.requires_grad.Should().BeTrue($"{name}'s trainable flag is restored");
        }
        foreach (var (name, parameter) in teacher.named_parameters())
            Same(parameter, teacherBefore[name]).Should().BeTrue($"the teacher's {name} is only read");
    }

    [Fact]
    public void A_student_equal_to_its_teacher_has_zero_loss()
    {
        using var scope = NewDisposeScope();
        using var teacher = Teacher();
        using var copy = ModelFactory.Create(teacher.Config!, seed: 5, dtype: ScalarType.Float64);
        AttentionTransfer.Loss(copy, teacher, Batch()).Should().Be(0);
    }

    [Fact]
    public void Misuse_is_refused_with_a_message_that_says_what_to_do()
    {
        using var teacher = Teacher();
        using var elu = Linearizer.Linearize(teacher, new LinearizeOptions { Target = Target("elu") });
        var data = TrainingFixtures.Data().Train;
        FluentActions.Invoking(() => AttentionTransfer.Train(elu, teacher, data, Options)).Should().Throw<ArgumentException>()
            .WithMessage("*mixers have no parameters*nothing to train; skip it*");
        FluentActions.Invoking(() => AttentionTransfer.Train(teacher, teacher, data, Options)).Should().Throw<ArgumentException>().WithMessage("*must be two models*");
        using var shallow = ModelFactory.Create(TrainingFixtures.Config(layers: 1), seed: 1, dtype: ScalarType.Float64);
        FluentActions.Invoking(() => AttentionTransfer.Train(shallow, teacher, data, Options)).Should().Throw<ArgumentException>()
            .WithMessage("The student (1 layers, width 16, vocabulary 256) must have the teacher's layout (2 layers*");
        using var student = Linearizer.Linearize(teacher, new LinearizeOptions { Target = Target("augmented") });
        FluentActions.Invoking(() => AttentionTransfer.Train(student, teacher, data, Options with { Steps = 0, LearningRate = -1 })).Should().Throw<ArgumentException>()
            .WithMessage("Invalid attention-transfer options: Steps must be positive (got 0). LearningRate must be a positive number (got -1).");
    }
}
