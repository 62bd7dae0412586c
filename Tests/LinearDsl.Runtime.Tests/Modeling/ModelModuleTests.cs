using LinearDsl.Runtime.Layers;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.Modeling;

/// <summary>The building blocks compute their textbook formulas and carry Hugging Face parameter names.</summary>
public sealed class ModelModuleTests
{
    const double Tolerance = 1e-12;

    [Fact]
    public void Rms_norm_scales_by_the_root_mean_square()
    {
        using var scope = NewDisposeScope();
        using var norm = new RmsNorm(5, eps: 1e-3);
        norm.to(ScalarType.Float64);
        Randomize(norm, 1);
        var x = Input(5, 2);
        var expected = x.div(x.square().mean([-1], keepdim: true).add(1e-3).sqrt()).mul(norm.Weight);
        Forms.MaxAbsDiff(norm.forward(x), expected).Should().BeLessThan(Tolerance);
        norm.state_dict().Keys.Should().Equal("weight");
        FluentActions.Invoking(() => norm.forward(Input(4, 3))).Should().Throw<ArgumentException>().WithMessage("RmsNorm normalises a last dimension of 5, got shape [2, 3, 4]*");
    }

    [Fact]
    public void Rms_norm_of_half_precision_runs_in_float32()
    {
        using var scope = NewDisposeScope();
        using var norm = new RmsNorm(8);
        var x = Input(8, 3).to_type(ScalarType.Float32).mul(300);
        var halfResult = norm.to(ScalarType.BFloat16).forward(x.to_type(ScalarType.BFloat16));
        halfResult.dtype.Should().Be(ScalarType.BFloat16);
        Forms.MaxAbsDiff(halfResult, x.div(x.square().mean([-1], keepdim: true).add(1e-5).sqrt())).Should().BeLessThan(0.02);
    }

    [Fact]
    public void Layer_norm_centres_scales_and_shifts()
    {
        using var scope = NewDisposeScope();
        using var norm = new LayerNorm(6, eps: 1e-4);
        norm.to(ScalarType.Float64);
        Randomize(norm, 2);
        var x = Input(6, 4);
        var centred = x.sub(x.mean([-1], keepdim: true));
        var expected = centred.div(centred.square().mean([-1], keepdim: true).add(1e-4).sqrt()).mul(norm.Weight).add(norm.Bias);
        Forms.MaxAbsDiff(norm.forward(x), expected).Should().BeLessThan(Tolerance);
        norm.state_dict().Keys.Should().Equal("weight", "bias");
    }

    [Fact]
    public void SwiGlu_is_down_of_silu_gate_times_up()
    {
        using var scope = NewDisposeScope();
        using var mlp = new SwiGluMlp(4, 7);
        mlp.to(ScalarType.Float64);
        var w = mlp.state_dict();
        w.Keys.Should().Equal("gate_proj.weight", "up_proj.weight", "down_proj.weight");
        var x = Input(4, 5);
        var gate = x.matmul(w["gate_proj.weight"].t());
        var expected = gate.mul(gate.sigmoid()).mul(x.matmul(w["up_proj.weight"].t())).matmul(w["down_proj.weight"].t());
        Forms.MaxAbsDiff(mlp.forward(x), expected).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void Gelu_mlp_uses_biases_and_the_tanh_approximation()
    {
        using var scope = NewDisposeScope();
        using var mlp = new GeluMlp(4, 7);
        mlp.to(ScalarType.Float64);
        var w = mlp.state_dict();
        w.Keys.Should().Equal("c_fc.weight", "c_fc.bias", "c_proj.weight", "c_proj.bias");
        var x = Input(4, 5);
        var h = x.matmul(w["c_fc.weight"].t()).add(w["c_fc.bias"]);
        var gelu = h.mul(0.5).mul(h.add(h.pow(3).mul(0.044715)).mul(Math.Sqrt(2 / Math.PI)).tanh().add(1));
        var expected = gelu.matmul(w["c_proj.weight"].t()).add(w["c_proj.bias"]);
        Forms.MaxAbsDiff(mlp.forward(x), expected).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void A_decoder_block_is_two_pre_norm_residuals()
    {
        using var scope = NewDisposeScope();
        var mixer = new AugmentedLinearAttention(new MixerGeometry(2, 3), new AugmentedLinearAttentionOptions { GroupSize = 2, ConvTaps = 2 });
        using var block = new DecoderBlock(new RmsNorm(6), new AttentionLayer(6, mixer), new LayerNorm(6), new GeluMlp(6, 9));
        block.to(ScalarType.Float64);
        Randomize(block, 3);
        block.state_dict().Keys.Select(k => k.Split('.')[0]).Distinct().Should().Equal("input_layernorm", "self_attn", "post_attention_layernorm", "mlp");
        var x = Input(6, 5);
        var h = x.add(block.Attention.forward(block.InputNorm.forward(x)));
        var expected = h.add(block.Mlp.forward(block.PostAttentionNorm.forward(h)));
        Forms.MaxAbsDiff(block.forward(x), expected).Should().BeLessThan(Tolerance);
    }

    static Tensor Input(long width, long time)
    {
        var generator = new torch.Generator(7);
        return Forms.Randn(generator, 2, time, width);
    }

    static void Randomize(nn.Module module, int seed)
    {
        using var _ = no_grad();
        var generator = new torch.Generator((ulong)seed);
        foreach (var (_, p) in module.named_parameters()) p.copy_(randn(p.shape, p.dtype, generator: generator));
    }
}
