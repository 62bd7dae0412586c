using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Encoders;

/// <summary>The encoder: who reads whom, pooling, heads, and checkpoints (float64).</summary>
public sealed class EncoderModelTests
{
    [Theory]
    [MemberData(nameof(EncoderCatalog.EncoderMixerNames), MemberType = typeof(EncoderCatalog))]
    public void A_later_token_changes_earlier_outputs_exactly_when_the_mixer_is_bidirectional(string name)
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateEncoder(name);
        bool bidirectional = EncoderCatalog.EncoderMixers[name].Bidirectional;
        const int time = 12, changed = 9;
        var tokens = EncoderCatalog.Tokens(2, time);
        var perturbed = tokens.clone();
        perturbed[.., changed] = (tokens[.., changed] + 1).remainder(EncoderCatalog.VocabSize);
        var before = model.Forward(tokens);
        var after = model.Forward(perturbed);
        // Augmented's own group and conv window reach back only a few tokens: position 8 shares the changed token's group.
        var earlier = before.narrow(1, 0, changed).sub(after.narrow(1, 0, changed)).abs().amax([0, 2]);
        double[] change = earlier.data<double>().ToArray();
        if (bidirectional) change[changed - 1].Should().BeGreaterThan(1e-6, "the token just before reads the changed one");
        else change.Should().OnlyContain(c => c == 0, "a causal mixer never reads a later token");
        after.narrow(1, changed, 1).sub(before.narrow(1, changed, 1)).abs().max().item<double>().Should().BeGreaterThan(1e-6);
    }

    [Theory]
    [InlineData("softmax-bidirectional", Pooling.Mean)]
    [InlineData("linear-bidirectional", Pooling.First)]
    [InlineData("augmented-centered-conv", Pooling.Mean)]
    public void Padding_never_reaches_the_pooled_embedding(string name, Pooling pooling)
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateEncoder(name, pooling: pooling);
        var tokens = EncoderCatalog.Tokens(3, 10, seed: 4);
        var lengths = tensor(new long[] { 10, 4, 7 });
        var embedded = model.Embed(tokens, lengths);
        embedded.shape.Should().Equal(3, 16);
        var garbage = tokens.clone();
        garbage[1, 4..] = tensor(5L);
        garbage[2, 7..] = tensor(0L);
        model.Embed(garbage, lengths).Equals(embedded).Should().BeTrue("the padding's ids do not matter");
        long[] rows = [10, 4, 7];
        for (int b = 0; b < 3; b++)
        {
            var alone = tokens.narrow(0, b, 1).narrow(1, 0, rows[b]);
            var hidden = model.Forward(alone);
            var expected = pooling == Pooling.Mean ? hidden.mean([1]) : hidden.select(1, 0);
            embedded.narrow(0, b, 1).Equals(expected).Should().BeTrue($"row {b} is its unpadded tokens' {pooling}");
        }
    }

    [Fact]
    public void Masked_logits_read_the_tied_embedding_or_the_mlm_head()
    {
        using var scope = NewDisposeScope();
        var config = EncoderCatalog.Encoder(EncoderCatalog.EncoderMixers["softmax-bidirectional"].Mixer);
        using var untied = ModelFactory.CreateEncoder(config, dtype: ScalarType.Float64);
        using var tied = ModelFactory.CreateEncoder(config with { TieEmbeddings = true }, dtype: ScalarType.Float64);
        untied.state_dict().Keys.Should().Contain("mlm_head.weight").And.Contain("encoder.norm.weight").And.Contain("embed_tokens.weight")
            .And.Contain(k => k.StartsWith("encoder.layers.1.", StringComparison.Ordinal));
        tied.state_dict().Keys.Should().NotContain("mlm_head.weight");
        var tokens = EncoderCatalog.Tokens(2, 6);
        var logits = tied.MaskedLogits(tokens);
        logits.shape.Should().Equal(2, 6, EncoderCatalog.VocabSize);
        var expected = tied.Forward(tokens).matmul(tied.state_dict()["embed_tokens.weight"].t());
        logits.Equals(expected).Should().BeTrue();
    }

    [Fact]
    public void Save_and_load_round_trip_bit_exactly()
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateEncoder("augmented-inclusive-global", pooling: Pooling.First);
        string directory = Path.Combine(Path.GetTempPath(), "lineardsl-encoder-" + Guid.NewGuid().ToString("N"));
        try
        {
            Checkpoint.Save(model, directory);
            ModelConfigJson.Read(Path.Combine(directory, Checkpoint.ConfigFileName)).Should().Be(model.Config);
            using var loaded = Checkpoint.LoadEncoder(directory);
            loaded.Config.Should().Be(model.Config);
            var tokens = EncoderCatalog.Tokens(2, 9);
            loaded.Forward(tokens).Equals(model.Forward(tokens)).Should().BeTrue();
            loaded.Embed(tokens).Equals(model.Embed(tokens)).Should().BeTrue();
            var asCausal = () => Checkpoint.Load(directory);
            asCausal.Should().Throw<InvalidDataException>().Which.Message.Should().EndWith("describes an encoder; load it with Checkpoint.LoadEncoder.").And.NotContain("\n");
            var asSeq2Seq = () => Checkpoint.LoadSeq2Seq(directory);
            asSeq2Seq.Should().Throw<InvalidDataException>().WithMessage("*load it with Checkpoint.LoadEncoder.");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Bad_lengths_are_refused_in_one_line()
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateEncoder("softmax-bidirectional");
        var tokens = EncoderCatalog.Tokens(2, 5);
        var zero = () => model.Embed(tokens, tensor(new long[] { 5, 0 }));
        zero.Should().Throw<ArgumentException>().WithMessage("Embed: row 1 has length 0, but lengths must lie in 1..5*");
        var shape = () => model.Embed(tokens, tensor(new long[] { 5 }));
        shape.Should().Throw<ArgumentException>().WithMessage("Embed takes lengths as int64 [2]*");
        var ids = () => model.Forward(tensor(new long[,] { { 0, 23 } }));
        ids.Should().Throw<ArgumentException>().WithMessage("Forward: token ids must lie in 0..22, got 23*");
    }

    [Fact]
    public void Weights_that_do_not_fit_the_config_are_refused_before_or_after_building()
    {
        using var scope = NewDisposeScope();
        using var model = EncoderCatalog.CreateEncoder("softmax-bidirectional");
        string directory = Path.Combine(Path.GetTempPath(), "lineardsl-encoder-" + Guid.NewGuid().ToString("N"));
        try
        {
            Checkpoint.Save(model, directory);
            string configPath = Path.Combine(directory, Checkpoint.ConfigFileName);
            string json = File.ReadAllText(configPath);
            File.WriteAllText(configPath, ModelConfigJson.Serialize(model.Config with { Width = 64, MlpHidden = 256 }));
            var larger = () => Checkpoint.LoadEncoder(directory);
            larger.Should().Throw<InvalidDataException>().WithMessage("*does not belong to the weights*");
            File.WriteAllText(configPath, ModelConfigJson.Serialize(model.Config with { Layers = 1 }));
            var fewer = () => Checkpoint.LoadEncoder(directory);
            fewer.Should().Throw<CheckpointMismatchException>().WithMessage("*encoder.layers.1.*");
            File.WriteAllText(configPath, json);
            using var loaded = Checkpoint.LoadEncoder(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Gradients_reach_every_parameter_of_an_encoder_and_a_seq2seq_model()
    {
        using var scope = NewDisposeScope();
        using var encoder = EncoderCatalog.CreateEncoder("linear-bidirectional");
        encoder.MaskedLogits(EncoderCatalog.Tokens(2, 6)).square().sum().backward();
        encoder.named_parameters().Where(p => !HasGradient(p.parameter)).Select(p => p.name).Should().BeEmpty();
        using var seq2seq = EncoderCatalog.CreateSeq2Seq("linear-cross");
        seq2seq.Forward(EncoderCatalog.Tokens(2, 7), EncoderCatalog.Tokens(2, 5, seed: 3)).square().sum().backward();
        seq2seq.named_parameters().Where(p => !HasGradient(p.parameter)).Select(p => p.name).Should().BeEmpty();
    }

    static bool HasGradient(Tensor parameter) => parameter.grad is { } grad && grad.abs().sum().item<double>() > 0;
}
