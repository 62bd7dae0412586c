using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>
/// Hugging Face BERT folders (random weights under BertForMaskedLM's and BertModel's names, written in a temp dir)
/// load into encoders whose hidden states and masked-LM logits match an independent float64 BERT forward pass.
/// </summary>
public sealed class BertImportTests : HfTempFolder
{
    const double Tolerance = 1e-10;
    const int MaskLine = 4;

    /// <summary>Writes a BERT folder with a vocab.txt whose line <see cref="MaskLine"/> is [MASK], as BERT tokenizers save it.</summary>
    string WriteBert(string name, Dictionary<string, object?>? config = null, Dictionary<string, Tensor>? weights = null, bool maskedLm = true)
    {
        string folder = Folder(name);
        HfFolders.Write(folder, config ?? HfEncoderFolders.BertConfig(maskedLm), weights ?? HfEncoderFolders.BertWeights(maskedLm: maskedLm));
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), Enumerable.Range(0, HfEncoderFolders.Vocab).Select(i => i == MaskLine ? "[MASK]" : $"t{i}"));
        return folder;
    }

    [Fact]
    public void A_masked_lm_folder_matches_the_reference_hidden_states_and_logits()
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.BertWeights();
        using var model = HuggingFaceCheckpoint.LoadEncoder(WriteBert("bert", weights: weights), ScalarType.Float64);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 13, seed: 5);
        var expected = HfEncoderReference.BertMaskedLogits(weights, tokens);
        expected.abs().max().item<double>().Should().BeGreaterThan(0.1);
        Forms.MaxAbsDiff(model.Forward(tokens), HfEncoderReference.BertHidden(weights, tokens)).Should().BeLessThan(Tolerance);
        Forms.MaxAbsDiff(model.MaskedLogits(tokens), expected).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void Token_types_reach_the_embeddings_as_bert_adds_them()
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.BertWeights();
        using var model = HuggingFaceCheckpoint.LoadEncoder(WriteBert("bert", weights: weights), ScalarType.Float64);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 9, seed: 6);
        var types = cat([zeros(2, 4, ScalarType.Int64), ones(2, 5, ScalarType.Int64)], 1);
        var hidden = model.Forward(tokens, types);
        Forms.MaxAbsDiff(hidden, HfEncoderReference.BertHidden(weights, tokens, types: types)).Should().BeLessThan(Tolerance);
        Forms.MaxAbsDiff(hidden, model.Forward(tokens)).Should().BeGreaterThan(1e-3, "type 1 differs from the default type 0");
        FluentActions.Invoking(() => model.Forward(tokens, types.add(1))).Should().Throw<ArgumentException>().WithMessage("*0..1*token_types is 2*");
    }

    [Fact]
    public void The_exact_gelu_and_the_post_norm_matter_so_the_test_can_tell_a_pre_norm_tanh_model()
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.BertWeights();
        using var model = HuggingFaceCheckpoint.LoadEncoder(WriteBert("bert", weights: weights), ScalarType.Float64);
        var config = model.Config with { Mlp = MlpKind.Gelu };
        using var tanh = ModelFactory.CreateEncoder(config, dtype: ScalarType.Float64);
        tanh.load_state_dict(model.state_dict());
        var tokens = ModelCatalog.Tokens(batch: 1, time: 9, seed: 5);
        Forms.MaxAbsDiff(tanh.MaskedLogits(tokens), model.MaskedLogits(tokens)).Should().BeGreaterThan(1e-6);
        model.Config.NormPlacement.Should().Be(NormPlacement.Post);
        model.state_dict().Keys.Should().Contain(["embed_norm.weight", "encoder.layers.0.post_mlp_layernorm.bias", "mlm_transform.dense.weight", "mlm_bias"])
            .And.NotContain("encoder.norm.weight");
    }

    [Fact]
    public void A_bare_bert_model_embeds_without_a_head_and_refuses_masked_logits_in_one_line()
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.BertWeights(maskedLm: false);
        using var model = HuggingFaceCheckpoint.LoadEncoder(WriteBert("bert", weights: weights, maskedLm: false), ScalarType.Float64);
        model.Config.MlmHead.Should().Be(MlmHeadKind.None);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 7, seed: 5);
        var hidden = HfEncoderReference.BertHidden(weights, tokens, prefix: "");
        Forms.MaxAbsDiff(model.Forward(tokens), hidden).Should().BeLessThan(Tolerance);
        Forms.MaxAbsDiff(model.Embed(tokens), hidden.mean([1])).Should().BeLessThan(Tolerance);
        var error = FluentActions.Invoking(() => model.MaskedLogits(tokens)).Should().Throw<InvalidOperationException>().Which;
        error.Message.Should().Contain("no masked-LM head").And.NotContain("\n");
    }

    [Fact]
    public void An_imported_encoder_saves_and_loads_as_a_lineardsl_checkpoint_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        using var model = HuggingFaceCheckpoint.LoadEncoder(WriteBert("bert"), ScalarType.Float64);
        Checkpoint.Save(model, Folder("saved"));
        File.ReadAllText(Path.Combine(Folder("saved"), Checkpoint.ConfigFileName)).Should()
            .Contain("\"norm_placement\": \"post\"").And.Contain("\"token_types\": 2").And.Contain("\"mlm_head\": \"transform\"").And.Contain("\"mlp\": \"gelu_erf\"");
        using var loaded = Checkpoint.LoadEncoder(Folder("saved"));
        loaded.Config.Should().Be(model.Config);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 11, seed: 8);
        loaded.MaskedLogits(tokens).equal(model.MaskedLogits(tokens)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void The_mask_token_is_found_in_config_then_tokenizer_json_then_vocab_txt()
    {
        string folder = WriteBert("vocab");
        HuggingFaceCheckpoint.ReadEncoderConfig(folder).MaskTokenId.Should().Be(MaskLine);

        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), """{ "added_tokens": [ { "id": 0, "content": "[PAD]" }, { "id": 7, "content": "[MASK]" } ] }""");
        HuggingFaceCheckpoint.ReadEncoderConfig(folder).MaskTokenId.Should().Be(7);

        var config = HfEncoderFolders.BertConfig();
        config["mask_token_id"] = 9;
        HfFolders.Write(folder, config, HfEncoderFolders.BertWeights());
        HuggingFaceCheckpoint.ReadEncoderConfig(folder).MaskTokenId.Should().Be(9);
    }

    [Fact]
    public void A_folder_that_names_no_mask_token_is_refused_with_the_key_to_add()
    {
        HfFolders.Write(Folder("bare"), HfEncoderFolders.BertConfig(), HfEncoderFolders.BertWeights());
        var error = FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadEncoder(Folder("bare"))).Should().Throw<InvalidDataException>().Which;
        error.Message.Should().Contain("names no mask token").And.Contain("\"mask_token_id\": N").And.NotContain("\n");
    }

    [Theory]
    [InlineData("hidden_act", "gelu_new", "*hidden_act 'gelu_new' is not supported*")]
    [InlineData("position_embedding_type", "relative_key", "*position_embedding_type 'relative_key' is not supported*absolute*")]
    [InlineData("model_type", "roberta", "*'roberta' is BERT-style but cannot be imported exactly*padding_idx*")]
    [InlineData("model_type", "t5", "*encoder-decoder*LoadSeq2Seq*")]
    public void Settings_the_runtime_cannot_reproduce_are_refused_in_one_line(string key, string value, string message)
    {
        var config = HfEncoderFolders.BertConfig();
        config[key] = value;
        var error = FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadEncoder(WriteBert("bert", config))).Should().Throw<InvalidDataException>().WithMessage(message).Which;
        error.Message.Should().NotContain("\n");
    }

    [Fact]
    public void Stored_copies_of_tied_tensors_are_accepted_only_when_they_repeat_the_original()
    {
        var weights = HfEncoderFolders.BertWeights();
        weights["cls.predictions.decoder.weight"] = weights["bert.embeddings.word_embeddings.weight"].clone();
        weights["cls.predictions.decoder.bias"] = weights["cls.predictions.bias"].clone();
        weights["bert.pooler.dense.weight"] = zeros(HfEncoderFolders.Width, HfEncoderFolders.Width);
        weights["bert.pooler.dense.bias"] = zeros(HfEncoderFolders.Width);
        using (var model = HuggingFaceCheckpoint.LoadEncoder(WriteBert("same", weights: weights))) model.Config.TieEmbeddings.Should().BeTrue();

        weights["cls.predictions.decoder.bias"] = weights["cls.predictions.bias"].add(1);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadEncoder(WriteBert("bias", weights: weights))).Should().Throw<InvalidDataException>()
            .WithMessage("*cls.predictions.decoder.bias that differs from cls.predictions.bias*");
        weights["cls.predictions.decoder.bias"] = weights["cls.predictions.bias"].clone();
        weights["cls.predictions.decoder.weight"] = weights["cls.predictions.decoder.weight"].add(1);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadEncoder(WriteBert("head", weights: weights))).Should().Throw<InvalidDataException>()
            .WithMessage("*decoder.weight that differs from the word embeddings*tie_word_embeddings*");
    }

    [Fact]
    public void An_untied_head_is_read_from_the_decoder_weight()
    {
        using var scope = NewDisposeScope();
        var weights = HfEncoderFolders.BertWeights();
        var head = randn(HfEncoderFolders.Vocab, HfEncoderFolders.Width, generator: new torch.Generator(11)).div(4);
        weights["cls.predictions.decoder.weight"] = head;
        var config = HfEncoderFolders.BertConfig();
        config["tie_word_embeddings"] = false;
        using var model = HuggingFaceCheckpoint.LoadEncoder(WriteBert("untied", config, weights), ScalarType.Float64);
        var tokens = ModelCatalog.Tokens(batch: 1, time: 8, seed: 3);
        var hidden = HfEncoderReference.BertHidden(weights, tokens);
        Forms.MaxAbsDiff(model.MaskedLogits(tokens), MaskedLogitsWithHead(weights, hidden, head)).Should().BeLessThan(Tolerance);
    }

    /// <summary>BERT's head on given hidden states with a separate decoder matrix (the reference's head is tied).</summary>
    static Tensor MaskedLogitsWithHead(Dictionary<string, Tensor> w, Tensor hidden, Tensor head)
    {
        Tensor W(string key) => w[key].to_type(ScalarType.Float64);
        var t = hidden.matmul(W("cls.predictions.transform.dense.weight").t()).add(W("cls.predictions.transform.dense.bias"));
        t = t.mul(0.5).mul(t.div(Math.Sqrt(2)).erf().add(1));
        var centred = t.sub(t.mean([-1], keepdim: true));
        t = centred.div(centred.square().mean([-1], keepdim: true).add(1e-12).sqrt()).mul(W("cls.predictions.transform.LayerNorm.weight")).add(W("cls.predictions.transform.LayerNorm.bias"));
        return t.matmul(head.to_type(ScalarType.Float64).t()).add(W("cls.predictions.bias"));
    }

    [Fact]
    public void Missing_and_misshaped_bert_tensors_are_listed_in_one_error()
    {
        var weights = HfEncoderFolders.BertWeights();
        weights.Remove("bert.encoder.layer.1.attention.self.key.bias");
        weights["bert.embeddings.token_type_embeddings.weight"] = zeros(3, HfEncoderFolders.Width);
        var error = FluentActions.Invoking(() => HuggingFaceCheckpoint.LoadEncoder(WriteBert("bert", weights: weights))).Should().Throw<CheckpointMismatchException>().Which;
        error.Missing.Select(t => t.Key).Should().Equal("bert.encoder.layer.1.attention.self.key.bias");
        error.Misshaped.Should().ContainSingle().Which.Key.Should().Be("bert.embeddings.token_type_embeddings.weight");
    }

    [Fact]
    public void Loading_and_embedding_a_bert_folder_leave_no_live_tensors_behind()
    {
        string folder = WriteBert("bert");
        void Round()
        {
            using var model = HuggingFaceCheckpoint.LoadEncoder(folder);
            using var scope = NewDisposeScope();
            model.MaskedLogits(ModelCatalog.Tokens(batch: 1, time: 6));
            model.Embed(ModelCatalog.Tokens(batch: 2, time: 6), tensor(new long[] { 6, 3 }));
        }
        Round();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Round();
        Round();
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
