namespace LinearDsl.Study.Tests.Encoders;

/// <summary>The encoder and seq2seq findings are computed from the numbers: the verdict flips when the numbers flip.</summary>
public sealed class EncoderFindingsTests
{
    static CausalStudyRanks Decoder(double softmax, double elu, double relu, double performer) => new()
    {
        Path = "study.json",
        Perplexity = new Dictionary<string, double> { ["softmax"] = softmax, ["elu"] = elu, ["relu"] = relu, ["performer"] = performer },
    };

    [Fact]
    public void An_attention_that_ranks_well_in_the_encoder_and_badly_in_the_decoder_supports_the_first_finding()
    {
        // elu is second of four here and last in the decoder: two places better.
        var encoder = new Dictionary<string, double> { ["softmax"] = 1.0, ["elu"] = 1.1, ["relu"] = 1.2, ["performer"] = 1.3 };
        var finding = EncoderStudyFindings.EncoderRanksDiffer("masked-LM", encoder, Decoder(3.0, 6.0, 4.0, 3.5));
        finding.Verdict.Should().Be(FindingVerdict.Agrees);
        finding.Measured.Should().Contain("elu 2 (decoder 4)");

        // The same order in both: no variant moves.
        var same = EncoderStudyFindings.EncoderRanksDiffer("masked-LM", encoder, Decoder(3.0, 3.1, 3.2, 3.3));
        same.Verdict.Should().Be(FindingVerdict.Disagrees);
    }

    [Fact]
    public void The_causal_study_is_named_relative_to_the_working_directory_so_a_committed_report_names_no_machine_path()
    {
        string inside = Path.Combine(Environment.CurrentDirectory, "docs", "results", "study", "study.json");
        StudyPaths.Shown(inside).Should().Be("docs/results/study/study.json");
        string outside = Path.GetFullPath(Path.Combine(Environment.CurrentDirectory, "..", "elsewhere.json"));
        StudyPaths.Shown(outside).Should().Be(outside);
    }

    [Fact]
    public void Without_the_causal_study_or_enough_common_variants_the_first_finding_is_not_measured()
    {
        var encoder = new Dictionary<string, double> { ["softmax"] = 1.0, ["elu"] = 1.1 };
        EncoderStudyFindings.EncoderRanksDiffer("masked-LM", encoder, null).Verdict.Should().Be(FindingVerdict.NotMeasured);
        EncoderStudyFindings.EncoderRanksDiffer("masked-LM", encoder, Decoder(1, 2, 3, 4)).Verdict.Should().Be(FindingVerdict.NotMeasured);
    }

    static EncoderVariantReport Variant(string key, double loss, bool bidirectional = true) => new()
    {
        Key = key, Name = key, Group = "linear", DeclaredAs = key, Description = key, Architecture = "", Bidirectional = bidirectional,
        Training = new StudyTraining { Losses = [loss], Evaluations = [] },
        Validation = new MaskedValidation { Loss = loss },
    };

    [Fact]
    public void Bidirectionality_and_softmax_verdicts_follow_the_losses()
    {
        EncoderVariantReport[] good = [Variant("softmax", 1.0), Variant("softmax-causal", 2.0, false), Variant("elu", 1.5), Variant("retnet", 3.0, false)];
        var findings = EncoderStudyFindings.Encoders(good, null);
        findings.Select(f => f.Verdict).Should().Equal(FindingVerdict.NotMeasured, FindingVerdict.Agrees, FindingVerdict.Agrees, FindingVerdict.Agrees);

        EncoderVariantReport[] flipped = [Variant("softmax", 2.0), Variant("softmax-causal", 1.0, false), Variant("elu", 1.5), Variant("retnet", 1.2, false)];
        var after = EncoderStudyFindings.Encoders(flipped, null);
        after.Select(f => f.Verdict).Should().Equal(FindingVerdict.NotMeasured, FindingVerdict.Disagrees, FindingVerdict.Disagrees, FindingVerdict.Disagrees);
    }

    [Fact]
    public void Ranks_put_the_lowest_first_and_ties_share_a_place()
    {
        EncoderStudyFindings.Ranks(new Dictionary<string, double> { ["a"] = 2, ["b"] = 1, ["c"] = 2 })
            .Should().BeEquivalentTo(new Dictionary<string, int> { ["a"] = 2, ["b"] = 1, ["c"] = 2 });
    }
}
