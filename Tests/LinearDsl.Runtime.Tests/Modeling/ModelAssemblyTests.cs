using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>The factory builds what its config says, with Hugging Face key names, and matches a hand-assembled model.</summary>
public sealed class ModelAssemblyTests
{
    [Fact]
    public void A_model_assembled_by_hand_matches_the_factory_model()
    {
        using var scope = NewDisposeScope();
        using var built = ModelCatalog.Create("hybrid");
        using var byHand = HandAssembledModels.Hybrid();
        byHand.state_dict().Keys.Should().Equal(built.state_dict().Keys);
        byHand.load_state_dict(built.state_dict());
        var tokens = ModelCatalog.Tokens(batch: 2, time: 11);
        ModelForms.BitIdentical(byHand.Forward(tokens), built.Forward(tokens)).Should().BeTrue();
    }

    [Fact]
    public void State_dict_keys_follow_the_hugging_face_llama_layout()
    {
        using var model = ModelCatalog.Create("aug-rope");
        model.state_dict().Keys.Should().Equal(
            "model.embed_tokens.weight",
            "model.layers.0.input_layernorm.weight",
            "model.layers.0.self_attn.qkv_proj.weight",
            "model.layers.0.self_attn.o_proj.weight",
            "model.layers.0.self_attn.mixer.alpha",
            "model.layers.0.self_attn.mixer.conv_weight",
            "model.layers.0.post_attention_layernorm.weight",
            "model.layers.0.mlp.gate_proj.weight",
            "model.layers.0.mlp.up_proj.weight",
            "model.layers.0.mlp.down_proj.weight",
            "model.layers.1.input_layernorm.weight",
            "model.layers.1.self_attn.qkv_proj.weight",
            "model.layers.1.self_attn.o_proj.weight",
            "model.layers.1.self_attn.mixer.alpha",
            "model.layers.1.self_attn.mixer.conv_weight",
            "model.layers.1.post_attention_layernorm.weight",
            "model.layers.1.mlp.gate_proj.weight",
            "model.layers.1.mlp.up_proj.weight",
            "model.layers.1.mlp.down_proj.weight",
            "model.norm.weight",
            "lm_head.weight");
    }

    [Fact]
    public void Tied_embeddings_use_the_token_embedding_as_the_head()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("tied");
        model.OutputHead.Should().BeNull();
        model.state_dict().Keys.Should().NotContain("lm_head.weight");
        var tokens = ModelCatalog.Tokens(batch: 1, time: 4);
        using (no_grad())
        {
            var before = model.Forward(tokens);
            model.TokenEmbedding.weight!.narrow(0, 3, 1).add_(1.0);
            // Token 3's row is also the head row of logit 3: changing it changes that logit everywhere.
            model.Forward(tokens)[.., .., 3].equal(before[.., .., 3]).any().item<bool>().Should().BeFalse();
        }
    }

    [Fact]
    public void Learned_positions_are_indexed_by_absolute_position()
    {
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.Create("learned-layernorm-gelu");
        model.PositionTableLength.Should().Be(48);
        var tokens = ModelCatalog.Tokens(batch: 1, time: 6);
        var baseline = model.Forward(tokens);
        using (no_grad()) model.PositionEmbedding!.weight!.narrow(0, 4, 1).add_(1.0);
        var changed = model.Forward(tokens);
        ModelForms.BitIdentical(changed.narrow(1, 0, 4), baseline.narrow(1, 0, 4)).Should().BeTrue("positions 0..3 do not read row 4");
        ModelForms.BitIdentical(changed.narrow(1, 4, 1), baseline.narrow(1, 4, 1)).Should().BeFalse("position 4 reads row 4");
    }

    [Fact]
    public void The_factory_is_deterministic_for_a_seed_and_initialises_like_llama()
    {
        using var scope = NewDisposeScope();
        var config = ModelCatalog.Config("learned-layernorm-gelu");
        using var a = ModelFactory.Create(config, seed: 5);
        using var b = ModelFactory.Create(config, seed: 5);
        using var c = ModelFactory.Create(config, seed: 6);
        foreach (var (key, tensor) in a.state_dict())
            ModelForms.BitIdentical(b.state_dict()[key], tensor).Should().BeTrue(key);
        ModelForms.BitIdentical(c.state_dict()["model.embed_tokens.weight"], a.state_dict()["model.embed_tokens.weight"]).Should().BeFalse();
        a.ParameterDtype.Should().Be(ScalarType.Float32);
        a.state_dict()["model.embed_tokens.weight"].std().item<float>().Should().BeApproximately(0.02f, 0.005f);
        a.state_dict()["model.layers.0.mlp.c_fc.bias"].abs().max().item<float>().Should().Be(0);
        a.state_dict()["model.layers.0.input_layernorm.weight"].equal(ones(12)).all().item<bool>().Should().BeTrue();
        a.state_dict()["model.layers.0.self_attn.mixer.alpha"].item<float>().Should().Be(0, "alpha starts at AlphaInit");
    }

    [Fact]
    public void Parts_of_a_block_must_share_the_width()
    {
        var mixer = new AugmentedLinearAttention(new MixerGeometry(2, 6));
        FluentActions.Invoking(() => new DecoderBlock(new RmsNorm(12), new AttentionLayer(12, mixer), new RmsNorm(12), new SwiGluMlp(10, 20)))
            .Should().Throw<ArgumentException>().WithMessage("*width 12*MLP 10*");
        FluentActions.Invoking(() => new CausalLanguageModel(5, 16, [new DecoderBlock(new RmsNorm(12), new AttentionLayer(12, mixer), new RmsNorm(12), new SwiGluMlp(12, 20))], new RmsNorm(16)))
            .Should().Throw<ArgumentException>().WithMessage("Decoder block 0 has width 12, but the model's width is 16*");
    }
}
