using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tests.Modeling;

namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>
/// Hugging Face LLaMA and GPT-2 folders (random weights, HF names, written in a temp dir; nothing is downloaded)
/// load into softmax models whose logits match an independent float64 forward pass over the HF tensors.
/// </summary>
public sealed class HuggingFaceImportTests : HfTempFolder
{
    const double Tolerance = 1e-9;

    [Fact]
    public void Llama_config_maps_to_a_softmax_rotary_swiglu_model()
    {
        var config = HuggingFaceConfig.Parse(System.Text.Json.JsonSerializer.Serialize(HfFolders.LlamaConfig()));
        config.Architecture.Should().Be(HuggingFaceArchitecture.Llama);
        config.Model.Should().Be(new ModelConfig
        {
            VocabSize = HfFolders.Vocab, Width = HfFolders.Width, Layers = HfFolders.Layers, ContextLength = 64,
            Norm = NormKind.RmsNorm, NormEps = 1e-6, Positions = PositionKind.Rotary, RopeTheta = 500,
            Mlp = MlpKind.SwiGlu, MlpHidden = HfFolders.Hidden, Mixer = MixerSpec.Softmax(HfFolders.Heads, HfFolders.KvHeads),
        });
    }

    [Fact]
    public void Gpt2_config_maps_to_a_softmax_layernorm_learned_gelu_tied_model_with_attention_bias()
    {
        var config = HuggingFaceConfig.Parse(System.Text.Json.JsonSerializer.Serialize(HfFolders.Gpt2Config()));
        config.Architecture.Should().Be(HuggingFaceArchitecture.Gpt2);
        config.Model.Should().Be(new ModelConfig
        {
            VocabSize = HfFolders.Vocab, Width = HfFolders.Width, Layers = HfFolders.Layers, ContextLength = HfFolders.Positions,
            Norm = NormKind.LayerNorm, NormEps = 1e-5, Positions = PositionKind.Learned, Mlp = MlpKind.Gelu,
            MlpHidden = 4 * HfFolders.Width, Mixer = MixerSpec.Softmax(HfFolders.Heads), AttentionBias = true, TieEmbeddings = true,
        });
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Llama_folder_matches_the_reference_forward(bool sharded, bool tied)
    {
        using var scope = NewDisposeScope();
        var weights = HfFolders.LlamaWeights(tied: tied);
        string folder = Folder("llama");
        if (sharded) HfFolders.WriteSharded(folder, HfFolders.LlamaConfig(tied), weights);
        else HfFolders.Write(folder, HfFolders.LlamaConfig(tied), weights);

        using var model = HuggingFaceCheckpoint.Load(folder, ScalarType.Float64);
        model.TiedEmbeddings.Should().Be(tied);
        model.Layers.Should().AllSatisfy(b => b.Attention.Mixer.Should().BeOfType<SoftmaxAttention>());
        var tokens = ModelCatalog.Tokens(batch: 2, time: 11);
        var expected = HfReference.Llama(weights, tokens, theta: 500, eps: 1e-6, tied: tied);
        expected.abs().max().item<double>().Should().BeGreaterThan(0.1);
        Forms.MaxAbsDiff(model.Forward(tokens), expected).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void Llama_q_and_k_need_no_permutation_because_both_use_rotate_half()
    {
        using var scope = NewDisposeScope();
        var weights = HfFolders.LlamaWeights();
        HfFolders.Write(Folder("llama"), HfFolders.LlamaConfig(), weights);
        using var model = HuggingFaceCheckpoint.Load(Folder("llama"), ScalarType.Float64);
        var tokens = ModelCatalog.Tokens(batch: 1, time: 12);
        var logits = model.Forward(tokens);
        Forms.MaxAbsDiff(logits, HfReference.Llama(weights, tokens, 500, 1e-6)).Should().BeLessThan(Tolerance, "HF's rotate-half layout");
        Forms.MaxAbsDiff(logits, HfReference.Llama(weights, tokens, 500, 1e-6, interleavedRope: true)).Should().BeGreaterThan(1e-3,
            "the interleaved (Meta) layout is a different function, so the test can tell the layouts apart");
    }

    [Theory]
    [InlineData("transformer.", false)]
    [InlineData("", false)]
    [InlineData("", true)]
    public void Gpt2_folder_matches_the_reference_forward(string prefix, bool sharded)
    {
        using var scope = NewDisposeScope();
        var weights = HfFolders.Gpt2Weights(prefix: prefix);
        // Old exports carry the causal-mask buffers; they are recognised and skipped.
        var stored = new Dictionary<string, Tensor>(weights)
        {
            [$"{prefix}h.0.attn.bias"] = ones(1, 1, HfFolders.Positions, HfFolders.Positions).tril(),
            [$"{prefix}h.0.attn.masked_bias"] = tensor(-1e4f),
        };
        if (sharded) HfFolders.WriteSharded(Folder("gpt2"), HfFolders.Gpt2Config(), stored, shards: 2);
        else HfFolders.Write(Folder("gpt2"), HfFolders.Gpt2Config(), stored);

        using var model = HuggingFaceCheckpoint.Load(Folder("gpt2"), ScalarType.Float64);
        model.Layers.Should().AllSatisfy(b => b.Attention.HasBias.Should().BeTrue());
        var tokens = ModelCatalog.Tokens(batch: 2, time: 13);
        var expected = HfReference.Gpt2(weights, tokens, prefix);
        expected.abs().max().item<double>().Should().BeGreaterThan(0.1);
        Forms.MaxAbsDiff(model.Forward(tokens), expected).Should().BeLessThan(Tolerance);
        Forms.MaxAbsDiff(ModelForms.StepLoop(model, tokens), expected).Should().BeLessThan(Tolerance, "the bias enters every form");
    }

    [Fact]
    public void A_tied_model_accepts_a_stored_lm_head_only_when_it_repeats_the_embedding()
    {
        var weights = HfFolders.Gpt2Weights();
        weights["lm_head.weight"] = weights["transformer.wte.weight"].clone();
        HfFolders.Write(Folder("same"), HfFolders.Gpt2Config(), weights);
        using (var model = HuggingFaceCheckpoint.Load(Folder("same"))) model.TiedEmbeddings.Should().BeTrue();

        weights["lm_head.weight"] = weights["lm_head.weight"].add(1);
        HfFolders.Write(Folder("different"), HfFolders.Gpt2Config(), weights);
        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("different"))).Should().Throw<InvalidDataException>()
            .WithMessage("*lm_head.weight that differs from the token embedding*tie_word_embeddings*");
    }

    [Fact]
    public void The_model_takes_the_stored_dtype_by_default_and_carries_its_config()
    {
        HfFolders.Write(Folder("llama"), HfFolders.LlamaConfig(), HfFolders.LlamaWeights());
        using var model = HuggingFaceCheckpoint.Load(Folder("llama"));
        model.ParameterDtype.Should().Be(ScalarType.Float32);
        model.Config.Should().Be(HuggingFaceConfig.Read(Folder("llama")).Model);
    }

    [Fact]
    public void An_imported_gpt2_model_saves_as_a_lineardsl_checkpoint_and_loads_back_bit_exact()
    {
        using var scope = NewDisposeScope();
        HfFolders.Write(Folder("gpt2"), HfFolders.Gpt2Config(), HfFolders.Gpt2Weights());
        using var model = HuggingFaceCheckpoint.Load(Folder("gpt2"), ScalarType.Float64);
        Checkpoint.Save(model, Folder("saved"));
        File.ReadAllText(Path.Combine(Folder("saved"), Checkpoint.ConfigFileName)).Should().Contain("\"attention_bias\": true");
        CheckpointKeyMap.For(model).Entries.Select(e => e.Key).Should().Contain(["model.layers.1.self_attn.q_proj.bias", "model.layers.1.self_attn.v_proj.bias", "model.layers.1.self_attn.o_proj.bias"]);

        using var loaded = Checkpoint.Load(Folder("saved"));
        loaded.Config.Should().Be(model.Config);
        var tokens = ModelCatalog.Tokens(batch: 2, time: 9);
        ModelForms.BitIdentical(loaded.Forward(tokens), model.Forward(tokens)).Should().BeTrue();
    }

    [Fact]
    public void Loading_and_linearizing_leave_no_live_tensors_behind()
    {
        HfFolders.WriteSharded(Folder("llama"), HfFolders.LlamaConfig(), HfFolders.LlamaWeights(), shards: 3);
        void Round()
        {
            using var softmax = HuggingFaceCheckpoint.Load(Folder("llama"));
            using var linear = Linearizer.Linearize(softmax);
        }
        Round();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Round();
        Round();
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }
}
