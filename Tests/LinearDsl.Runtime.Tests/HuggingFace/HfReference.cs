namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>
/// Independent float64 forward passes written from the Hugging Face modelling code (LlamaForCausalLM,
/// GPT2LMHeadModel) on the Hugging Face tensors themselves: no LinearDsl module is used, so a wrong key, a missing
/// transpose or a different rotary layout in the importer shows up as different logits.
/// </summary>
public static class HfReference
{
    /// <summary>LLaMA logits [batch, time, vocab]; <paramref name="interleavedRope"/> rotates pairs (2i, 2i+1) instead of halves.</summary>
    public static Tensor Llama(Dictionary<string, Tensor> w, Tensor tokens, double theta, double eps, bool tied = false, bool interleavedRope = false)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => w[key].to_type(ScalarType.Float64);
        long batch = tokens.shape[0], time = tokens.shape[1], d = HfFolders.Width / HfFolders.Heads;
        var x = W("model.embed_tokens.weight").index_select(0, tokens.flatten()).view(batch, time, HfFolders.Width);
        var (cos, sin) = RopeTables(time, d, theta);
        for (int l = 0; l < HfFolders.Layers; l++)
        {
            string p = $"model.layers.{l}.";
            var h = Rms(x, W(p + "input_layernorm.weight"), eps);
            var q = Heads(h.matmul(W(p + "self_attn.q_proj.weight").t()), HfFolders.Heads, d);
            var k = Heads(h.matmul(W(p + "self_attn.k_proj.weight").t()), HfFolders.KvHeads, d);
            var v = Heads(h.matmul(W(p + "self_attn.v_proj.weight").t()), HfFolders.KvHeads, d);
            q = interleavedRope ? RotateInterleaved(q, cos, sin) : q.mul(cos).add(RotateHalf(q).mul(sin));
            k = interleavedRope ? RotateInterleaved(k, cos, sin) : k.mul(cos).add(RotateHalf(k).mul(sin));
            int repeat = HfFolders.Heads / HfFolders.KvHeads;
            var attention = Attend(q, k.repeat_interleave(repeat, 1), v.repeat_interleave(repeat, 1));
            x = x.add(attention.matmul(W(p + "self_attn.o_proj.weight").t()));
            var h2 = Rms(x, W(p + "post_attention_layernorm.weight"), eps);
            var gated = Silu(h2.matmul(W(p + "mlp.gate_proj.weight").t())).mul(h2.matmul(W(p + "mlp.up_proj.weight").t()));
            x = x.add(gated.matmul(W(p + "mlp.down_proj.weight").t()));
        }
        x = Rms(x, W("model.norm.weight"), eps);
        return x.matmul(W(tied ? "model.embed_tokens.weight" : "lm_head.weight").t()).MoveToOuterDisposeScope();
    }

    /// <summary>GPT-2 logits [batch, time, vocab] (Conv1D: y = x W + b with W stored [in, out]; tied head).</summary>
    public static Tensor Gpt2(Dictionary<string, Tensor> w, Tensor tokens, string prefix = "transformer.", double eps = 1e-5)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => w[prefix + key].to_type(ScalarType.Float64);
        long batch = tokens.shape[0], time = tokens.shape[1], d = HfFolders.Width / HfFolders.Heads;
        var x = W("wte.weight").index_select(0, tokens.flatten()).view(batch, time, HfFolders.Width).add(W("wpe.weight").narrow(0, 0, time));
        for (int l = 0; l < HfFolders.Layers; l++)
        {
            string p = $"h.{l}.";
            var h = Ln(x, W(p + "ln_1.weight"), W(p + "ln_1.bias"), eps);
            var qkv = h.matmul(W(p + "attn.c_attn.weight")).add(W(p + "attn.c_attn.bias")).split(HfFolders.Width, 2);
            var attention = Attend(Heads(qkv[0], HfFolders.Heads, d), Heads(qkv[1], HfFolders.Heads, d), Heads(qkv[2], HfFolders.Heads, d));
            x = x.add(attention.matmul(W(p + "attn.c_proj.weight")).add(W(p + "attn.c_proj.bias")));
            var h2 = Ln(x, W(p + "ln_2.weight"), W(p + "ln_2.bias"), eps);
            var inner = GeluNew(h2.matmul(W(p + "mlp.c_fc.weight")).add(W(p + "mlp.c_fc.bias")));
            x = x.add(inner.matmul(W(p + "mlp.c_proj.weight")).add(W(p + "mlp.c_proj.bias")));
        }
        x = Ln(x, W("ln_f.weight"), W("ln_f.bias"), eps);
        return x.matmul(W("wte.weight").t()).MoveToOuterDisposeScope();
    }

    static Tensor Heads(Tensor x, long heads, long d) => x.view(x.shape[0], x.shape[1], heads, d).transpose(1, 2);

    /// <summary>softmax(q k^T / sqrt(d) + causal mask) v, heads merged back to [batch, time, heads * d].</summary>
    static Tensor Attend(Tensor q, Tensor k, Tensor v)
    {
        long time = q.shape[2], d = q.shape[3];
        var scores = q.matmul(k.transpose(-1, -2)).div(Math.Sqrt(d));
        var future = ones(time, time, ScalarType.Bool).triu(1);
        var output = scores.masked_fill(future, double.NegativeInfinity).softmax(-1).matmul(v);
        return output.transpose(1, 2).reshape(q.shape[0], time, q.shape[1] * d);
    }

    /// <summary>HF LlamaRotaryEmbedding: emb = cat(freqs, freqs), cos/sin [time, d].</summary>
    static (Tensor Cos, Tensor Sin) RopeTables(long time, long d, double theta)
    {
        var inverse = Enumerable.Range(0, (int)d / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / d)).ToArray();
        var inv = tensor(inverse, ScalarType.Float64);
        var freqs = arange(time, ScalarType.Float64).unsqueeze(1).mul(inv.unsqueeze(0));
        var emb = cat(new[] { freqs, freqs }, 1);
        return (emb.cos(), emb.sin());
    }

    static Tensor RotateHalf(Tensor x)
    {
        long half = x.shape[^1] / 2;
        return cat(new[] { x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half) }, -1);
    }

    /// <summary>Meta's original layout: pair (2i, 2i+1) rotated by angle i (cos/sin tables reused from their first half).</summary>
    static Tensor RotateInterleaved(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var pairs = x.view([.. x.shape[..^1], half, 2]);
        var even = pairs.select(-1, 0);
        var odd = pairs.select(-1, 1);
        var c = cos.narrow(-1, 0, half);
        var s = sin.narrow(-1, 0, half);
        return stack(new[] { even.mul(c).sub(odd.mul(s)), even.mul(s).add(odd.mul(c)) }, -1).view(x.shape);
    }

    static Tensor Rms(Tensor x, Tensor weight, double eps) => x.mul(x.square().mean([-1], keepdim: true).add(eps).rsqrt()).mul(weight);

    static Tensor Ln(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        var mean = x.mean([-1], keepdim: true);
        var centred = x.sub(mean);
        var variance = centred.square().mean([-1], keepdim: true);
        return centred.div(variance.add(eps).sqrt()).mul(weight).add(bias);
    }

    static Tensor Silu(Tensor x) => x.mul(x.sigmoid());

    /// <summary>GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    static Tensor GeluNew(Tensor x) => x.mul(0.5).mul(x.add(x.pow(3).mul(0.044715)).mul(Math.Sqrt(2 / Math.PI)).tanh().add(1));
}
