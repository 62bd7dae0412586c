namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>
/// Independent float64 forward passes written from the Hugging Face modelling code (BertForMaskedLM, BertModel,
/// T5ForConditionalGeneration) on the Hugging Face tensors themselves: no LinearDsl module is used, so a wrong key,
/// a missing bias, a norm in the wrong place or a different position bucket shows up as different outputs.
/// </summary>
public static class HfEncoderReference
{
    const int Width = HfEncoderFolders.Width, Heads = HfEncoderFolders.Heads, Layers = HfEncoderFolders.Layers;

    /// <summary>BERT's last hidden state [batch, time, width] (token type 0 everywhere unless <paramref name="types"/> are given; no padding).</summary>
    public static Tensor BertHidden(Dictionary<string, Tensor> w, Tensor tokens, string prefix = "bert.", double eps = 1e-12, Tensor? types = null)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => w[prefix + key].to_type(ScalarType.Float64);
        long batch = tokens.shape[0], time = tokens.shape[1], d = Width / Heads;
        var x = W("embeddings.word_embeddings.weight").index_select(0, tokens.flatten()).view(batch, time, Width)
            .add(W("embeddings.position_embeddings.weight").narrow(0, 0, time))
            .add(types is null ? W("embeddings.token_type_embeddings.weight")[0]
                : W("embeddings.token_type_embeddings.weight").index_select(0, types.flatten()).view(batch, time, Width));
        x = Ln(x, W("embeddings.LayerNorm.weight"), W("embeddings.LayerNorm.bias"), eps);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"encoder.layer.{l}.";
            Tensor Dense(Tensor input, string name) => input.matmul(W(p + name + ".weight").t()).add(W(p + name + ".bias"));
            var q = Split(Dense(x, "attention.self.query"), Heads, d);
            var k = Split(Dense(x, "attention.self.key"), Heads, d);
            var v = Split(Dense(x, "attention.self.value"), Heads, d);
            var context = Merge(q.matmul(k.transpose(-1, -2)).div(Math.Sqrt(d)).softmax(-1).matmul(v));
            var a = Ln(x.add(Dense(context, "attention.output.dense")), W(p + "attention.output.LayerNorm.weight"), W(p + "attention.output.LayerNorm.bias"), eps);
            var inner = GeluErf(Dense(a, "intermediate.dense"));
            x = Ln(a.add(Dense(inner, "output.dense")), W(p + "output.LayerNorm.weight"), W(p + "output.LayerNorm.bias"), eps);
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>BertForMaskedLM's logits [batch, time, vocab]: transform (dense, GELU, LayerNorm), then the tied decoder and its bias.</summary>
    public static Tensor BertMaskedLogits(Dictionary<string, Tensor> w, Tensor tokens, double eps = 1e-12)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => w[key].to_type(ScalarType.Float64);
        var hidden = BertHidden(w, tokens, "bert.", eps);
        var t = GeluErf(hidden.matmul(W("cls.predictions.transform.dense.weight").t()).add(W("cls.predictions.transform.dense.bias")));
        t = Ln(t, W("cls.predictions.transform.LayerNorm.weight"), W("cls.predictions.transform.LayerNorm.bias"), eps);
        return t.matmul(W("bert.embeddings.word_embeddings.weight").t()).add(W("cls.predictions.bias")).MoveToOuterDisposeScope();
    }

    /// <summary>T5's encoder output [batch, source, width] (after encoder.final_layer_norm).</summary>
    public static Tensor T5Encoder(Dictionary<string, Tensor> w, Tensor source, string feedForward = "gated-silu", double eps = 1e-6)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => w[key].to_type(ScalarType.Float64);
        long batch = source.shape[0], time = source.shape[1];
        var x = W("shared.weight").index_select(0, source.flatten()).view(batch, time, Width);
        var bias = PositionBias(W("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), time, time, bidirectional: true);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"encoder.block.{l}.layer.";
            var h = Rms(x, W(p + "0.layer_norm.weight"), eps);
            x = x.add(Attend(W, p + "0.SelfAttention.", h, h, bias));
            x = x.add(FeedForward(W, p + "1.DenseReluDense.", Rms(x, W(p + "1.layer_norm.weight"), eps), feedForward));
        }
        return Rms(x, W("encoder.final_layer_norm.weight"), eps).MoveToOuterDisposeScope();
    }

    /// <summary>T5ForConditionalGeneration's teacher-forced logits [batch, target, vocab] for decoder inputs <paramref name="target"/>.</summary>
    public static Tensor T5Logits(Dictionary<string, Tensor> w, Tensor source, Tensor target, bool tied = true, string feedForward = "gated-silu", double eps = 1e-6)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => w[key].to_type(ScalarType.Float64);
        var memory = T5Encoder(w, source, feedForward, eps);
        long batch = target.shape[0], time = target.shape[1];
        var y = W("shared.weight").index_select(0, target.flatten()).view(batch, time, Width);
        var causal = ones(time, time, ScalarType.Bool).triu(1);
        var bias = PositionBias(W("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), time, time, bidirectional: false)
            .masked_fill(causal, double.NegativeInfinity);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"decoder.block.{l}.layer.";
            var h = Rms(y, W(p + "0.layer_norm.weight"), eps);
            y = y.add(Attend(W, p + "0.SelfAttention.", h, h, bias));
            y = y.add(Attend(W, p + "1.EncDecAttention.", Rms(y, W(p + "1.layer_norm.weight"), eps), memory, null));
            y = y.add(FeedForward(W, p + "2.DenseReluDense.", Rms(y, W(p + "2.layer_norm.weight"), eps), feedForward));
        }
        y = Rms(y, W("decoder.final_layer_norm.weight"), eps);
        if (tied) y = y.mul(Math.Pow(Width, -0.5));
        return y.matmul(W(tied ? "shared.weight" : "lm_head.weight").t()).MoveToOuterDisposeScope();
    }

    /// <summary>T5's relative_position_bucket, computed as transformers does (the logarithm in float32, truncated toward zero).</summary>
    public static long Bucket(long relative, bool bidirectional, int buckets = HfEncoderFolders.Buckets, int maxDistance = HfEncoderFolders.MaxDistance)
    {
        long result = 0;
        if (bidirectional)
        {
            buckets /= 2;
            if (relative > 0) result += buckets;
            relative = Math.Abs(relative);
        }
        else
        {
            relative = -Math.Min(relative, 0);
        }
        int maxExact = buckets / 2;
        if (relative < maxExact) return result + relative;
        float scaled = MathF.Log((float)relative / maxExact) / MathF.Log((float)maxDistance / maxExact) * (buckets - maxExact);
        return result + Math.Min(maxExact + (long)scaled, buckets - 1);
    }

    /// <summary>Bias [1, heads, queries, keys] from the bucket table [buckets, heads]; relative position = key - query.</summary>
    static Tensor PositionBias(Tensor table, long queries, long keys, bool bidirectional)
    {
        var ids = new long[queries * keys];
        for (long i = 0; i < queries; i++)
            for (long j = 0; j < keys; j++) ids[i * keys + j] = Bucket(j - i, bidirectional);
        return table.index_select(0, tensor(ids)).view(queries, keys, Heads).permute(2, 0, 1).unsqueeze(0);
    }

    /// <summary>T5Attention: no 1/sqrt(d) scaling; the bias (or nothing, for cross-attention) is added to the scores.</summary>
    static Tensor Attend(Func<string, Tensor> W, string p, Tensor queries, Tensor keys, Tensor? bias)
    {
        long d = Width / Heads;
        var q = Split(queries.matmul(W(p + "q.weight").t()), Heads, d);
        var k = Split(keys.matmul(W(p + "k.weight").t()), Heads, d);
        var v = Split(keys.matmul(W(p + "v.weight").t()), Heads, d);
        var scores = q.matmul(k.transpose(-1, -2));
        if (bias is not null) scores = scores.add(bias);
        return Merge(scores.softmax(-1).matmul(v)).matmul(W(p + "o.weight").t());
    }

    /// <summary>T5's DenseReluDense: wo(relu(wi h)) for "relu", wo(act(wi_0 h) * wi_1 h) for the gated kinds (gelu is transformers' gelu_new).</summary>
    static Tensor FeedForward(Func<string, Tensor> W, string p, Tensor h, string feedForward)
    {
        var inner = feedForward switch
        {
            "relu" => h.matmul(W(p + "wi.weight").t()).relu(),
            "gated-silu" => Silu(h.matmul(W(p + "wi_0.weight").t())).mul(h.matmul(W(p + "wi_1.weight").t())),
            "gated-gelu" => GeluNew(h.matmul(W(p + "wi_0.weight").t())).mul(h.matmul(W(p + "wi_1.weight").t())),
            _ => throw new ArgumentOutOfRangeException(nameof(feedForward), feedForward, "The reference knows relu, gated-silu and gated-gelu."),
        };
        return inner.matmul(W(p + "wo.weight").t());
    }

    /// <summary>transformers' gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    static Tensor GeluNew(Tensor x) => x.mul(0.5).mul(x.add(x.pow(3).mul(0.044715)).mul(Math.Sqrt(2 / Math.PI)).tanh().add(1));

    static Tensor Silu(Tensor x) => x.mul(x.sigmoid());

    static Tensor Split(Tensor x, long heads, long d) => x.view(x.shape[0], x.shape[1], heads, d).transpose(1, 2);

    static Tensor Merge(Tensor x) => x.transpose(1, 2).reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]);

    static Tensor Rms(Tensor x, Tensor weight, double eps) => x.mul(x.square().mean([-1], keepdim: true).add(eps).rsqrt()).mul(weight);

    static Tensor Ln(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        var centred = x.sub(x.mean([-1], keepdim: true));
        return centred.div(centred.square().mean([-1], keepdim: true).add(eps).sqrt()).mul(weight).add(bias);
    }

    /// <summary>BERT's "gelu": the exact GELU, 0.5 x (1 + erf(x / sqrt(2))).</summary>
    static Tensor GeluErf(Tensor x) => x.mul(0.5).mul(x.div(Math.Sqrt(2)).erf().add(1));
}
