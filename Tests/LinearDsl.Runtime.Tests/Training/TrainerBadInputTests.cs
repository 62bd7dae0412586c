using LinearDsl.Runtime.Data;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Training;

namespace LinearDsl.Runtime.Tests.Training;

public sealed class TrainerBadInputTests
{
    [Fact]
    public void Invalid_options_are_listed_together()
    {
        using var model = TrainingFixtures.Model();
        var options = TrainingFixtures.Options() with { Steps = 0, BatchSize = -1, GradientClipNorm = 0, CheckpointInterval = 5 };
        var create = () => new Trainer(model, TrainingFixtures.Data(), options);
        create.Should().Throw<ArgumentException>()
            .WithMessage("*Steps must be positive*BatchSize must be positive*GradientClipNorm must be positive*CheckpointInterval needs a CheckpointDirectory*");
    }

    [Fact]
    public void Data_from_a_larger_vocabulary_than_the_model_is_refused()
    {
        using var model = ModelFactory.Create(TrainingFixtures.Config() with { VocabSize = 200 });
        var create = () => new Trainer(model, TrainingFixtures.Data(), TrainingFixtures.Options());
        create.Should().Throw<ArgumentException>().WithMessage("*tokenizer has 256 ids but the model only 200*");
    }

    [Fact]
    public void A_context_longer_than_a_learned_position_table_is_refused()
    {
        using var model = ModelFactory.Create(TrainingFixtures.Config() with { Positions = PositionKind.Learned, ContextLength = 8 });
        var create = () => new Trainer(model, TrainingFixtures.Data(), TrainingFixtures.Options());
        create.Should().Throw<ArgumentException>().WithMessage("*context length 16 exceeds the model's learned position table of 8 rows*");
    }

    [Fact]
    public void Evaluating_without_a_validation_set_says_how_to_get_one()
    {
        using var model = TrainingFixtures.Model();
        using var trainer = new Trainer(model, TrainingFixtures.Data(validationFraction: 0), TrainingFixtures.Options(steps: 2));
        trainer.Train().Evaluations.Should().BeEmpty();
        var evaluate = () => trainer.Evaluate();
        evaluate.Should().Throw<InvalidOperationException>().WithMessage("*positive validation fraction*");
    }

    [Fact]
    public void A_corpus_shorter_than_the_context_is_refused_before_training()
    {
        var corpus = TokenCorpus.FromText("abc", TrainingFixtures.Tokenizer, "three-letter text");
        var pack = () => SequencePacker.Pack(corpus, TrainingFixtures.ContextLength);
        pack.Should().Throw<InvalidDataException>().WithMessage("*three-letter text is too short for a context length of 16*");
    }
}
