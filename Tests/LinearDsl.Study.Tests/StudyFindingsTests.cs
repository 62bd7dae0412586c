namespace LinearDsl.Study.Tests;

/// <summary>The verdicts on the paper's claims follow the measured numbers, whichever way they point.</summary>
public sealed class StudyFindingsTests
{
    /// <summary>A report of one variant with the given validation loss (and token-by-token loss, decode and speculation figures).</summary>
    static StudyVariantReport Variant(string key, double loss, double? generationLoss = null, bool causal = true, double speedUp = 0.8, long stateAt8192 = 400_000)
    {
        var variant = StudyVariants.Find(key);
        bool decodes = key != StudyVariants.LeakyConv;
        return new StudyVariantReport
        {
            Key = key,
            Name = variant.Name,
            Group = variant.Group.ToString().ToLowerInvariant(),
            DeclaredAs = variant.DeclaredAs,
            Description = variant.Description,
            Architecture = "test",
            Parameters = 1000,
            Training = new StudyTraining { Steps = 1, Losses = [loss], Evaluations = [], FinalTrainLoss = loss },
            Validation = new StudyValidation { Loss = loss, Perplexity = Math.Exp(loss), Sequences = 1, Tokens = 1 },
            GenerationCheck = new GenerationCheck(decodes ? "step" : "prefix-forward", 1, 1, loss, generationLoss ?? loss),
            Causality = new StudyCausality
            {
                Causal = causal, Leaks = !causal, Length = 8, Position = 5,
                Forms = [new StudyCausalityForm { Form = "forward", Verdict = causal ? "causal" : "leaks", FirstLeak = causal ? null : 4 }],
            },
            Decode = decodes
                ? [new DecodePoint(512, key == StudyVariants.Reference ? 1.0 : 0.5, key == StudyVariants.Reference ? 2_000_000 : stateAt8192, 0, 1),
                   new DecodePoint(8192, key == StudyVariants.Reference ? 3.0 : 0.5, key == StudyVariants.Reference ? 32_000_000 : stateAt8192, 0, 1)]
                : null,
            Speculative = decodes ? new SpeculativeComparison(3, 32, 64, 1, 0.5, 2.5, 1000, 1000 * speedUp, Identical: true) : null,
            Sample = "",
            Checkpoint = "",
        };
    }

    static StudyFinding Claim(IReadOnlyList<StudyFinding> findings, string text) => findings.Single(f => f.Claim.Contains(text));

    static StudyVariantReport[] AsThePaperSays() =>
    [
        Variant("softmax", 1.50), Variant("elu", 2.00), Variant("relu", 1.95), Variant("performer", 1.90), Variant("hedgehog", 1.85),
        Variant("flash", 1.80), Variant("local", 1.75), Variant("global", 1.90), Variant("local-global", 1.70),
        Variant("augmented", 1.60, speedUp: 1.4, stateAt8192: 450_000), Variant("leaky-conv", 0.30, generationLoss: 2.2, causal: false),
    ];

    [Fact]
    public void Measurements_that_match_the_paper_agree_with_every_claim()
    {
        var findings = StudyFindings.Compare(AsThePaperSays());

        findings.Should().HaveCount(9);
        findings.Should().OnlyContain(f => f.Verdict == FindingVerdict.Agrees, string.Join("\n", findings.Select(f => $"{f.Verdict}: {f.Measured}")));
        Claim(findings, "approaches softmax").Measured.Should().Contain("closes 67 %");
        Claim(findings, "fails in generation").Measured.Should().Contain("+1.9000");
    }

    [Fact]
    public void A_method_that_loses_to_a_linear_attention_and_a_leak_that_generates_well_are_reported_as_disagreements()
    {
        var variants = AsThePaperSays();
        variants[1] = Variant("elu", 1.55);                                           // elu beats the method (1.60)
        variants[9] = Variant("augmented", 1.60, speedUp: 0.7);
        variants[10] = Variant("leaky-conv", 1.65, generationLoss: 1.65, causal: false); // no gap, and no better in training

        var findings = StudyFindings.Compare(variants);

        var beats = Claim(findings, "lower perplexity than the other linear");
        beats.Verdict.Should().Be(FindingVerdict.PartlyAgrees);
        beats.Measured.Should().Contain("not lower than linear, elu+1");
        Claim(findings, "approaches softmax").Verdict.Should().Be(FindingVerdict.Disagrees);
        Claim(findings, "looks good in training").Verdict.Should().Be(FindingVerdict.Disagrees);
        Claim(findings, "fails in generation").Verdict.Should().Be(FindingVerdict.Disagrees);
        Claim(findings, "speeds up generation").Verdict.Should().Be(FindingVerdict.Disagrees);
        Claim(findings, "speeds up generation").Measured.Should().Contain("0.70x");
    }

    [Fact]
    public void A_causal_variant_flagged_by_the_probe_and_missing_variants_are_reported()
    {
        var variants = AsThePaperSays();
        variants[2] = Variant("relu", 1.95, causal: false);
        Claim(StudyFindings.Compare(variants), "causality probe").Verdict.Should().Be(FindingVerdict.Disagrees);

        var few = StudyFindings.Compare([Variant("softmax", 1.5), Variant("augmented", 1.6)]);
        Claim(few, "lower perplexity than the other linear").Verdict.Should().Be(FindingVerdict.NotMeasured);
        Claim(few, "Each part of the augmentation").Verdict.Should().Be(FindingVerdict.NotMeasured);
        Claim(few, "looks good in training").Verdict.Should().Be(FindingVerdict.NotMeasured);
        Claim(few, "constant-size state").Verdict.Should().Be(FindingVerdict.Agrees);
    }
}
