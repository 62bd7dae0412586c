using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>
/// Hugging Face T5 folders (random weights under T5ForConditionalGeneration's names, written in a temp dir) load into
/// seq2seq models whose teacher-forced logits and decoding forms match an independent float64 T5 forward pass.
/// </summary>
public sealed class T5ImportTests : HfTempFolder
{
    const double Tolerance = 1e-9;

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void A_t5_folder_matches_the_reference_forward(bool tied, bool sharded)
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.T5Weights(tied: tied);
        if (sharded) HfFolders.WriteSharded(Folder("t5"), HfEncoderFolders.T5Config(tied), weights);
        else HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(tied), weights);

        using var model = HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"), ScalarType.Float64);
        model.Config.Architecture.Should().Be(ModelArchitecture.Seq2Seq);
        model.Config.TieEmbeddings.Should().Be(tied);
        var source = ModelCatalog.Tokens(batch: 2, time: 11, seed: 5);
        var target = ModelCatalog.Tokens(batch: 2, time: 7, seed: 6);
        var expected = HfEncoderReference.T5Logits(weights, source, target, tied);
        expected.abs().max().item<double>().Should().BeGreaterThan(0.1);
        Forms.MaxAbsDiff(model.Forward(source, target), expected).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void The_relative_position_bias_matters_so_the_test_can_tell_a_model_without_it()
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.T5Weights();
        var flat = new Dictionary<string, Tensor>(weights);
        foreach (var key in weights.Keys.Where(k => k.Contains("relative_attention_bias", StringComparison.Ordinal)).ToList()) flat[key] = zeros_like(weights[key]);
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(), weights);
        using var model = HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"), ScalarType.Float64);
        var source = ModelCatalog.Tokens(batch: 1, time: 9, seed: 5);
        var target = ModelCatalog.Tokens(batch: 1, time: 6, seed: 6);
        Forms.MaxAbsDiff(model.Forward(source, target), HfEncoderReference.T5Logits(flat, source, target)).Should().BeGreaterThan(1e-3);
    }

    [Fact]
    public void Step_and_verify_with_commit_reproduce_the_teacher_forced_logits()
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.T5Weights();
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(), weights);
        using var model = HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"), ScalarType.Float64);
        var source = ModelCatalog.Tokens(batch: 2, time: 10, seed: 7);
        var target = ModelCatalog.Tokens(batch: 2, time: 8, seed: 8);
        var expected = HfEncoderReference.T5Logits(weights, source, target);

        using var memory = model.Encode(source);
        using (var state = model.CreateState(memory))
        {
            var steps = Enumerable.Range(0, 8).Select(t => model.Step(target.narrow(1, t, 1), state)).ToArray();
            Forms.MaxAbsDiff(cat(steps, 1), expected).Should().BeLessThan(Tolerance, "the step reads the key/value cache with each row's own bias");
        }
        using (var state = model.CreateState(memory))
        {
            var prefix = model.Prefill(target.narrow(1, 0, 3), state);
            // Row 0 accepts 2 of 4 candidates, row 1 all 4: the rows then sit at different positions.
            var verified = model.Verify(target.narrow(1, 3, 4), state);
            Forms.MaxAbsDiff(cat([prefix, verified.Logits], 1), expected.narrow(1, 0, 7)).Should().BeLessThan(Tolerance);
            using (verified.Pending) model.Commit(state, verified.Pending, [2, 4]);
            var row0 = model.Step(target.narrow(0, 0, 1).narrow(1, 5, 1).expand(2, 1).contiguous(), state);
            Forms.MaxAbsDiff(row0.narrow(0, 0, 1), expected.narrow(0, 0, 1).narrow(1, 5, 1)).Should().BeLessThan(Tolerance, "row 0 continues at position 5");
        }
    }

    [Fact]
    public void An_imported_t5_model_saves_as_a_lineardsl_checkpoint_and_loads_back_bit_exact()
    {
        using var scope = NewDisposeScope();
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(tied: false), HfEncoderFolders.T5Weights(tied: false));
        using var model = HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"), ScalarType.Float64);
        Checkpoint.Save(model, Folder("saved"));
        File.ReadAllText(Path.Combine(Folder("saved"), Checkpoint.ConfigFileName)).Should().Contain("T5RelativeAttention");

        using var loaded = Checkpoint.LoadSeq2Seq(Folder("saved"));
        var source = ModelCatalog.Tokens(batch: 2, time: 9, seed: 3);
        var target = ModelCatalog.Tokens(batch: 2, time: 5, seed: 4);
        ModelForms.BitIdentical(loaded.Forward(source, target), model.Forward(source, target)).Should().BeTrue();
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, 0)]
    [InlineData(1, 17)]
    [InlineData(-8, 8)]
    [InlineData(8, 24)]
    [InlineData(-100, 15)]
    [InlineData(100, 31)]
    [InlineData(-1000, 15)]
    public void Buckets_are_transformers_buckets_for_the_default_encoder_settings(long relative, long bucket)
        => T5RelativeAttention.Bucket(relative, bidirectional: true, buckets: 32, maxDistance: 128).Should().Be(bucket);

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 0)]
    [InlineData(-5, 5)]
    [InlineData(-16, 16)]
    [InlineData(-40, 23)]
    [InlineData(-500, 31)]
    public void Buckets_are_transformers_buckets_for_the_default_decoder_settings(long relative, long bucket)
        => T5RelativeAttention.Bucket(relative, bidirectional: false, buckets: 32, maxDistance: 128).Should().Be(bucket);

    [Fact]
    public void The_bidirectional_encoder_mixer_refuses_a_decoding_state()
    {
        using var mixer = new T5RelativeAttention(new Runtime.Mixers.MixerGeometry(2, 4), buckets: 8, maxDistance: 16, bidirectional: true);
        FluentActions.Invoking(() => mixer.CreateState(1)).Should().Throw<NotSupportedException>().WithMessage("*Bidirectional = true*");
    }

    [Theory]
    [InlineData("relu", MlpKind.Relu)]
    [InlineData("gated-gelu", MlpKind.GeGlu)]
    [InlineData("gated-silu", MlpKind.SwiGlu)]
    public void Every_t5_feed_forward_kind_matches_the_reference_forward(string feedForward, MlpKind kind)
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.T5Weights(gated: feedForward != "relu");
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(feedForward: feedForward), weights);
        using var model = HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"), ScalarType.Float64);
        model.Config.Mlp.Should().Be(kind);
        var source = ModelCatalog.Tokens(batch: 2, time: 9, seed: 5);
        var target = ModelCatalog.Tokens(batch: 2, time: 6, seed: 6);
        Forms.MaxAbsDiff(model.Forward(source, target), HfEncoderReference.T5Logits(weights, source, target, feedForward: feedForward)).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void The_gelu_of_gated_gelu_is_the_tanh_approximation_so_the_test_can_tell_the_exact_one()
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.T5Weights();
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(feedForward: "gated-gelu"), weights);
        using var model = HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"), ScalarType.Float64);
        var source = ModelCatalog.Tokens(batch: 1, time: 9, seed: 5);
        var target = ModelCatalog.Tokens(batch: 1, time: 6, seed: 6);
        var gated = model.Forward(source, target);
        Forms.MaxAbsDiff(gated, HfEncoderReference.T5Logits(weights, source, target, feedForward: "gated-silu")).Should().BeGreaterThan(1e-3);
    }

    [Theory]
    [InlineData("gelu")]
    [InlineData("gated-tanh")]
    public void A_feed_forward_the_runtime_lacks_is_refused_in_one_line_naming_the_key(string feedForward)
    {
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(feedForward: feedForward), HfEncoderFolders.T5Weights(gated: false));
        var error = FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"))).Should().Throw<InvalidDataException>()
            .WithMessage($"*feed_forward_proj '{feedForward}' is not supported*'relu'*'gated-gelu'*").Which;
        error.Message.Should().NotContain("\n");
    }

    [Fact]
    public void A_head_size_other_than_width_over_heads_is_refused()
    {
        var config = HfEncoderFolders.T5Config();
        config["d_kv"] = 8;
        HfFolders.Write(Folder("t5"), config, HfEncoderFolders.T5Weights());
        FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"))).Should().Throw<InvalidDataException>()
            .WithMessage("*d_kv (8) * num_heads (4) must equal d_model (16)*");
    }

    [Fact]
    public void Missing_and_misshaped_t5_tensors_are_listed_in_one_error()
    {
        var weights = HfEncoderFolders.T5Weights();
        weights.Remove("decoder.block.1.layer.1.EncDecAttention.k.weight");
        weights["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] = zeros(HfEncoderFolders.Buckets + 1, HfEncoderFolders.Heads);
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(), weights);
        var error = FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"))).Should().Throw<CheckpointMismatchException>().Which;
        error.Missing.Select(t => t.Key).Should().Equal("decoder.block.1.layer.1.EncDecAttention.k.weight");
        error.Misshaped.Should().ContainSingle().Which.Key.Should().Be("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
    }

    [Fact]
    public void A_tied_model_accepts_a_stored_lm_head_only_when_it_repeats_the_shared_embedding()
    {
        var weights = HfEncoderFolders.T5Weights();
        weights["lm_head.weight"] = weights["shared.weight"].clone();
        weights["encoder.embed_tokens.weight"] = weights["shared.weight"].clone();
        HfFolders.Write(Folder("same"), HfEncoderFolders.T5Config(), weights);
        using (var model = HuggingFaceCheckpoint.LoadSeq2Seq(Folder("same"))) model.Config.TieEmbeddings.Should().BeTrue();

        weights["lm_head.weight"] = weights["lm_head.weight"].add(1);
        HfFolders.Write(Folder("different"), HfEncoderFolders.T5Config(), weights);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadSeq2Seq(Folder("different"))).Should().Throw<InvalidDataException>()
            .WithMessage("*lm_head.weight that differs from shared.weight*tie_word_embeddings*");
    }

    [Fact]
    public void The_causal_and_seq2seq_importers_point_a_bert_folder_to_the_encoder_importer()
    {
        HfFolders.Write(Folder("bert"), HfEncoderFolders.BertConfig(), HfEncoderFolders.BertWeights());
        foreach (var load in new Action[] { () => HuggingFaceCheckpoint.LoadSeq2Seq(Folder("bert")), () => HuggingFaceCheckpoint.Load(Folder("bert")) })
        {
            var error = FluentActions.Invoking(load).Should().Throw<InvalidDataException>().Which;
            error.Message.Should().Contain("is an encoder").And.Contain("LoadEncoder").And.NotContain("\n");
        }
    }

    [Fact]
    public void Each_importer_points_to_the_other_for_the_other_family()
    {
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(), HfEncoderFolders.T5Weights());
        HfFolders.Write(Folder("llama"), HfFolders.LlamaConfig(), HfFolders.LlamaWeights());
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("t5"))).Should().Throw<InvalidDataException>().WithMessage("*encoder-decoder*LoadSeq2Seq*");
        FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadSeq2Seq(Folder("llama"))).Should().Throw<InvalidDataException>().WithMessage("*causal LM*HuggingFaceCheckpoint.Load*");
    }

    [Fact]
    public void The_config_reads_the_t5_settings_into_a_seq2seq_config()
    {
        HfFolders.Write(Folder("t5"), HfEncoderFolders.T5Config(tied: false), HfEncoderFolders.T5Weights(tied: false));
        var config = HuggingFaceCheckpoint.ReadSeq2SeqConfig(Folder("t5"));
        config.Architecture.Should().Be(ModelArchitecture.Seq2Seq);
        config.Encoder!.Layers.Should().Be(HfEncoderFolders.Layers);
        config.Layers.Should().Be(HfEncoderFolders.Layers);
        config.Norm.Should().Be(NormKind.RmsNorm);
        config.NormEps.Should().Be(1e-6);
        config.Positions.Should().Be(PositionKind.None);
        config.Mlp.Should().Be(MlpKind.SwiGlu);
        config.TieEmbeddings.Should().BeFalse();
        config.CrossAttention!.Heads.Should().Be(HfEncoderFolders.Heads);
        ((Runtime.Mixers.CustomMixerOptions)config.Encoder.Mixer.Options).Settings["bidirectional"].GetBoolean().Should().BeTrue();
        ((Runtime.Mixers.CustomMixerOptions)config.Mixer.Options).Settings["bidirectional"].GetBoolean().Should().BeFalse();
    }

    [Fact]
    public void Loading_and_decoding_a_t5_folder_leave_no_live_tensors_behind()
    {
        HfFolders.WriteSharded(Folder("t5"), HfEncoderFolders.T5Config(), HfEncoderFolders.T5Weights(), shards: 2);
        void Round()
        {
            using var model = HuggingFaceCheckpoint.LoadSeq2Seq(Folder("t5"));
            using var scope = NewDisposeScope();
            using var memory = model.Encode(ModelCatalog.Tokens(batch: 1, time: 6));
            using var state = model.CreateState(memory);
            for (int t = 0; t < 4; t++) model.Step(tensor(new long[] { t }, [1, 1]), state);
        }
        Round();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Round();
        Round();
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
