namespace LinearDsl.Study.Tests;

/// <summary>
/// The finding "the paper's augmentation still helps on top of a gated global term" (augmented-gla against gla): its
/// verdict follows the numbers either way, and it appears only when both variants ran.
/// </summary>
public sealed class AugmentedGlaFindingTests
{
    const string ClaimText = "still helps on top of a gated global term";

    /// <summary>A minimal report; "gla" is written by key so that the test does not depend on its declaration.</summary>
    static StudyVariantReport Report(string key, double loss) => new()
    {
        Key = key,
        Name = key == StudyVariants.AugmentedGla ? "aug: the method on a GLA-gated global term" : key,
        Group = "augmented",
        DeclaredAs = "test",
        Description = "test",
        Architecture = "test",
        Parameters = 1000,
        Training = new StudyTraining { Steps = 1, Losses = [loss], Evaluations = [], FinalTrainLoss = loss },
        Validation = new StudyValidation { Loss = loss, Perplexity = Math.Exp(loss), Sequences = 1, Tokens = 1 },
        GenerationCheck = new GenerationCheck("step", 1, 1, loss, loss),
        Causality = new StudyCausality { Causal = true, Leaks = false, Length = 8, Position = 5, Forms = [new StudyCausalityForm { Form = "forward", Verdict = "causal" }] },
        Decode = null,
        Speculative = null,
        Sample = "",
        Checkpoint = "",
    };

    [Theory]
    [InlineData(1.60, 1.70, FindingVerdict.Agrees, "-0.1000", "lowers it")]
    [InlineData(1.75, 1.70, FindingVerdict.Disagrees, "+0.0500", "does not lower it")]
    [InlineData(1.70, 1.70, FindingVerdict.Disagrees, "0.0000", "does not lower it")]
    public void The_verdict_follows_the_losses(double augmented, double gla, FindingVerdict verdict, string difference, string conclusion)
    {
        var findings = StudyFindings.Compare([Report("softmax", 1.5), Report(StudyVariants.AugmentedGla, augmented), Report(StudyFindings.GlaKey, gla)]);
        var finding = findings.Single(f => f.Claim.Contains(ClaimText));
        finding.Verdict.Should().Be(verdict);
        finding.Measured.Should().Contain(Math.Exp(augmented).ToString("F3", System.Globalization.CultureInfo.InvariantCulture))
            .And.Contain(Math.Exp(gla).ToString("F3", System.Globalization.CultureInfo.InvariantCulture))
            .And.Contain($"validation loss {difference} nats/token").And.Contain(conclusion);
    }

    [Theory]
    [InlineData(StudyVariants.AugmentedGla)]
    [InlineData(StudyFindings.GlaKey)]
    [InlineData(null)]
    public void The_finding_appears_only_when_both_variants_ran(string? only)
    {
        var variants = new List<StudyVariantReport> { Report("softmax", 1.5), Report("augmented", 1.6) };
        if (only is not null) variants.Add(Report(only, 1.7));
        StudyFindings.Compare(variants).Should().NotContain(f => f.Claim.Contains(ClaimText));
    }

    [Fact]
    public void The_variant_is_declared_with_the_gate_at_the_study_shape()
    {
        var variant = StudyVariants.Find(StudyVariants.AugmentedGla);
        var options = variant.Config.Mixer.Augmented!;
        options.Gate.Should().Be(GateKind.Gla);
        options.Should().Be(StudyVariants.Find(StudyVariants.Method).Config.Mixer.Augmented! with { Gate = GateKind.Gla }, "only the gate differs from the method's mixer");
        variant.Group.Should().Be(StudyGroup.Augmented);
    }
}
