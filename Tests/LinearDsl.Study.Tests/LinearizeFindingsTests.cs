namespace LinearDsl.Study.Tests;

/// <summary>The linearization findings' verdicts follow the numbers: the same claim agrees or disagrees as the measurements change.</summary>
public sealed class LinearizeFindingsTests
{
    const double TeacherLoss = 1.0;

    static StudyValidation Validation(double loss) => new() { Loss = loss, Perplexity = Math.Exp(loss), Sequences = 4, Tokens = 128 };

    static StudyTraining Training() => new() { Steps = 1, Losses = [1.0], Evaluations = [], FinalTrainLoss = 1.0 };

    static LinearizeRunReport Run(string recipe, double fraction, double loss, long trainable, double start) => new()
    {
        Recipe = recipe, Fraction = fraction, Steps = 1, TotalTokens = 1000, TrainableParameters = trainable, Training = Training(),
        Validation = Validation(loss), GapRecovered = LinearizeFindings.GapRecovered(start, loss, TeacherLoss), WallTimeSeconds = 1,
    };

    /// <summary>A variant linearized at loss 2 (gap 1 to the teacher) whose runs end at the given losses.</summary>
    static LinearizeVariantReport Variant(string key, double full, double lora, double scratch, double speedUp = 1.5, bool identical = true, double mseAfter = 0.1) => new()
    {
        Key = key, Name = key, DeclaredAs = key, Description = key, Architecture = key, Parameters = 1_000_000, MixerParameters = 100,
        Linearized = Validation(2.0), AttentionMse = 0.5,
        Transfer = new LinearizeTransferReport { Steps = 1, TrainableParameters = 100, Losses = [0.5], AttentionMseAfter = mseAfter, ValidationAfter = Validation(1.9) },
        Runs =
        [
            Run(LinearizeRunReport.FullFineTune, 0.25, full, 1_000_000, 2.0),
            Run(LinearizeRunReport.TransferLora, 0.25, lora, 10_000, 2.0),
        ],
        Scratch = Run(LinearizeRunReport.Scratch, 1.25, scratch, 1_000_000, 2.0) with { GapRecovered = null },
        Speculative = new SpeculativeComparison(3, 8, 12, 1, 0.5, 2, 100, 100 * speedUp, identical),
    };

    static readonly LinearizeTeacherReport Teacher = new()
    {
        DeclaredAs = "StudySoftmax", Architecture = "a", Parameters = 1_000_000, Training = Training(), Validation = Validation(TeacherLoss), Checkpoint = "t",
    };

    static FindingVerdict Verdict(IReadOnlyList<LinearizeVariantReport> variants, string claimPart)
        => LinearizeFindings.Compare(Teacher, variants).Single(f => f.Claim.Contains(claimPart, StringComparison.Ordinal)).Verdict;

    [Fact]
    public void Recovering_most_of_the_gap_is_decided_by_the_share_recovered()
    {
        Verdict([Variant("augmented", full: 1.2, lora: 1.6, scratch: 1.5)], "recovers most of the gap").Should().Be(FindingVerdict.Agrees, "80 % is recovered");
        Verdict([Variant("augmented", full: 1.8, lora: 1.9, scratch: 1.5)], "recovers most of the gap").Should().Be(FindingVerdict.Disagrees, "20 % is not most");
        Verdict([Variant("augmented", full: 1.2, lora: 1.6, scratch: 1.5), Variant("elu", full: 1.8, lora: 1.9, scratch: 1.5)], "recovers most of the gap")
            .Should().Be(FindingVerdict.PartlyAgrees);
    }

    [Fact]
    public void Beating_scratch_compares_the_same_total_tokens()
    {
        Verdict([Variant("augmented", full: 1.2, lora: 1.6, scratch: 1.5)], "from scratch").Should().Be(FindingVerdict.Agrees);
        Verdict([Variant("augmented", full: 1.6, lora: 1.6, scratch: 1.5)], "from scratch").Should().Be(FindingVerdict.Disagrees);
    }

    [Fact]
    public void Augmentation_helps_when_the_method_ends_lowest_and_the_conv_adds()
    {
        var method = Variant("augmented", full: 1.2, lora: 1.6, scratch: 1.5);
        Verdict([Variant("hedgehog", 1.3, 1.6, 1.5), Variant("local-global", 1.25, 1.6, 1.5), method], "Augmentation helps").Should().Be(FindingVerdict.Agrees);
        Verdict([Variant("hedgehog", 1.1, 1.6, 1.5), Variant("local-global", 1.25, 1.6, 1.5), method], "Augmentation helps").Should().Be(FindingVerdict.PartlyAgrees);
        Verdict([Variant("hedgehog", 1.1, 1.6, 1.5), Variant("local-global", 1.15, 1.6, 1.5), method], "Augmentation helps").Should().Be(FindingVerdict.Disagrees);
        Verdict([method], "Augmentation helps").Should().Be(FindingVerdict.NotMeasured);
    }

    [Fact]
    public void Transfer_and_LoRA_are_judged_per_trainable_parameter()
    {
        // (b) recovers 40 % with 10,000 parameters; (a) 80 % with 1,000,000: (b) recovers far more per parameter.
        Verdict([Variant("augmented", full: 1.2, lora: 1.6, scratch: 1.5)], "per trainable parameter").Should().Be(FindingVerdict.Agrees);
        Verdict([Variant("augmented", full: 1.2, lora: 2.1, scratch: 1.5)], "per trainable parameter").Should().Be(FindingVerdict.Disagrees, "(b) made it worse");
    }

    [Fact]
    public void Transfer_MSE_exactness_and_speed_up_follow_the_measurements()
    {
        Verdict([Variant("augmented", 1.2, 1.6, 1.5, mseAfter: 0.1)], "closer to the softmax attention").Should().Be(FindingVerdict.Agrees);
        Verdict([Variant("augmented", 1.2, 1.6, 1.5, mseAfter: 0.9)], "closer to the softmax attention").Should().Be(FindingVerdict.Disagrees);
        Verdict([Variant("augmented", 1.2, 1.6, 1.5, identical: false)], "exactly the tokens").Should().Be(FindingVerdict.Disagrees);
        Verdict([Variant("augmented", 1.2, 1.6, 1.5, speedUp: 0.8)], "speeds up").Should().Be(FindingVerdict.Disagrees);
        Verdict([Variant("augmented", 1.2, 1.6, 1.5, speedUp: 1.3)], "speeds up").Should().Be(FindingVerdict.Agrees);
    }

    [Fact]
    public void A_starting_gap_below_the_minimum_is_not_a_share()
    {
        LinearizeFindings.GapRecovered(1.0005, 0.9, 1.0).Should().BeNull();
        LinearizeFindings.GapRecovered(2.0, 1.5, 1.0).Should().Be(0.5);
        LinearizeFindings.GapRecovered(2.0, 0.5, 1.0).Should().Be(1.5, "a model better than the teacher recovers more than the gap");
    }
}
