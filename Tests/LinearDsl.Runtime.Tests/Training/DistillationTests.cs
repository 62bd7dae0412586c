using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class DistillationTests
{
    [Fact]
    public void Distillation_lowers_the_kl_from_the_target_to_the_draft_and_leaves_the_target_alone()
    {
        using var target = TrainingFixtures.Model(seed: 11, width: 32, layers: 2);
        using (no_grad()) target.OutputHead!.weight!.mul_(4);   // a peaked target, far from the draft's near-uniform start
        using var draft = TrainingFixtures.Model(seed: 12, width: 16, layers: 1);
        var data = TrainingFixtures.Data();
        var targetWeights = Snapshot(target);
        var distillation = new DistillationOptions { Target = target };
        using var trainer = new Trainer(draft, data, TrainingFixtures.Options(steps: 40), distillation);

        double before = Kl(target, draft, data);
        var result = trainer.Train();
        double after = Kl(target, draft, data);

        after.Should().BeLessThan(0.5 * before);
        result.FinalEvaluation!.DistillationKl.Should().BeApproximately(after, 1e-4 * after);
        result.Losses.TakeLast(5).Average().Should().BeLessThan(result.Losses.Take(5).Average());
        Snapshot(target).Should().Equal(targetWeights);
        using var scope = NewDisposeScope();
        target.parameters().Select(p => p.grad).Should().OnlyContain(g => ReferenceEquals(g, null), "the target runs without gradients");
    }

    [Fact]
    public void A_target_with_another_vocabulary_is_refused()
    {
        using var target = ModelFactory.Create(TrainingFixtures.Config() with { VocabSize = 300 });
        using var draft = TrainingFixtures.Model();
        var create = () => new Trainer(draft, TrainingFixtures.Data(), TrainingFixtures.Options(), new DistillationOptions { Target = target });
        create.Should().Throw<ArgumentException>().WithMessage("*target has 300 ids but the draft 256*");
        var self = () => new Trainer(draft, TrainingFixtures.Data(), TrainingFixtures.Options(), new DistillationOptions { Target = draft });
        self.Should().Throw<ArgumentException>().WithMessage("*target is the model being trained*");
    }

    /// <summary>Mean KL(target || draft) per validation position, computed in float64 from softmaxes.</summary>
    static double Kl(CausalLanguageModel target, CausalLanguageModel draft, Data.CorpusSplit data)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double total = 0;
        long positions = 0;
        for (int i = 0; i < data.Validation.Count; i++)
        {
            var ids = data.Validation[i].ToArray()[..^1];
            var input = tensor(ids, [1, ids.Length]);
            var p = target.Forward(input).to_type(ScalarType.Float64).softmax(-1);
            var q = draft.Forward(input).to_type(ScalarType.Float64).softmax(-1);
            total += (p * (p.log() - q.log())).sum().ToDouble();
            positions += ids.Length;
        }
        return total / positions;
    }

    static float[] Snapshot(CausalLanguageModel model)
    {
        using var scope = NewDisposeScope();
        return model.parameters().SelectMany(p => p.detach().cpu().flatten().data<float>().ToArray()).ToArray();
    }
}
