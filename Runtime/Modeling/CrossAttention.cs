using LinearDsl.Runtime.FeatureMaps;
using LinearDsl.Runtime.Mixers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// A decoder block's cross-attention (state-dict "cross_attn.": q_proj, k_proj, v_proj, o_proj, and the feature map of
/// the linear kind): queries from the decoder, keys and values from the encoder's output, no positions. Keys and
/// values are computed once per source (<see cref="Remember"/>); a target token's output reads only that memory, never
/// another target token, so the decoder's forms stay exact to each other whatever the kind.
/// </summary>
internal sealed class CrossAttention : nn.Module
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Linear q_proj;
    readonly Linear k_proj;
    readonly Linear v_proj;
    readonly Linear o_proj;
    readonly FeatureMap? feature_map;
#pragma warning restore IDE1006
    readonly MixerGeometry _geometry;
    const double DenominatorEps = 1e-6;

    public CrossAttention(int width, CrossAttentionSpec spec, bool bias) : base(nameof(CrossAttention))
    {
        Kind = spec.Kind;
        _geometry = new MixerGeometry(spec.Heads, width / spec.Heads, spec.KvHeads);
        long query = (long)spec.Heads * _geometry.HeadDim, keyValue = (long)spec.KvHeads * _geometry.HeadDim;
        q_proj = nn.Linear(width, query, hasBias: bias);
        k_proj = nn.Linear(width, keyValue, hasBias: bias);
        v_proj = nn.Linear(width, keyValue, hasBias: bias);
        o_proj = nn.Linear(query, width, hasBias: bias);
        if (Kind == CrossAttentionKind.Linear) feature_map = FeatureMap.Create(spec.EffectiveFeatureMap, _geometry);
        RegisterComponents();
    }

    public CrossAttentionKind Kind { get; }

    /// <summary>
    /// What every target token reads from the encoder's output [batch, source, width]: softmax keeps keys and values
    /// (and the padding mask when <paramref name="padding"/> [batch, source] has any true); linear keeps only
    /// [sum phi(k) v^T || sum phi(k)] over each row's real tokens, [batch, kv_heads, F, d + 1], whatever the source length.
    /// </summary>
    public CrossAttentionMemory Remember(Tensor encoded, Tensor? padding)
    {
        using var scope = NewDisposeScope();
        var g = _geometry;
        long batch = encoded.shape[0], source = encoded.shape[1];
        var k = k_proj.forward(encoded).view(batch, source, g.KvHeads, g.HeadDim).transpose(1, 2);
        var v = v_proj.forward(encoded).view(batch, source, g.KvHeads, g.HeadDim).transpose(1, 2);
        // [batch, 1, 1, source]: broadcasts over heads (and the grouped-query axis) and over target tokens.
        var mask = padding?.view(batch, 1, 1, source);
        if (feature_map is null)
        {
            var keys = k.contiguous().MoveToOuterDisposeScope();
            var values = v.contiguous().MoveToOuterDisposeScope();
            return new CrossAttentionMemory(keys, values, mask is null ? null : mask.unsqueeze(1).MoveToOuterDisposeScope(), null);
        }
        var fk = feature_map.Keys(k);
        if (mask is not null) fk = fk.masked_fill(mask.transpose(-1, -2), 0);
        var sums = fk.transpose(-1, -2).matmul(cat([v, ones_like(v.narrow(-1, 0, 1))], -1));
        return new CrossAttentionMemory(null, null, null, sums.MoveToOuterDisposeScope());
    }

    /// <summary>Cross-attention output [batch, time, width] for decoder inputs [batch, time, width] (already normed).</summary>
    public Tensor Attend(Tensor x, CrossAttentionMemory memory)
    {
        using var scope = NewDisposeScope();
        var g = _geometry;
        long batch = x.shape[0], time = x.shape[1];
        var q = q_proj.forward(x).view(batch, time, g.Heads, g.HeadDim).transpose(1, 2);
        Tensor mixed;
        if (feature_map is null)
        {
            // [batch, kv_heads, queries per kv, time, d] against [batch, kv_heads, 1, source, d].
            var grouped = q.reshape(batch, g.KvHeads, g.QueriesPerKv, time, g.HeadDim);
            var scores = grouped.matmul(memory.Keys!.unsqueeze(2).transpose(-1, -2)).mul_(1.0 / Math.Sqrt(g.HeadDim));
            if (memory.Padding is not null) scores = scores.masked_fill(memory.Padding, double.NegativeInfinity);
            mixed = scores.softmax(-1).matmul(memory.Values!.unsqueeze(2));
        }
        else
        {
            var fq = feature_map.Queries(q);
            var grouped = fq.reshape(batch, g.KvHeads, g.QueriesPerKv, time, fq.shape[3]);
            var numerator = grouped.matmul(memory.Sums!.unsqueeze(2));
            mixed = numerator.narrow(-1, 0, g.HeadDim).div(numerator.narrow(-1, g.HeadDim, 1).add(DenominatorEps));
        }
        var heads = mixed.reshape(batch, g.Heads, time, g.HeadDim).transpose(1, 2).reshape(batch, time, (long)g.Heads * g.HeadDim);
        return o_proj.forward(heads).MoveToOuterDisposeScope();
    }
}

/// <summary>One decoder layer's view of the encoder output: softmax keys, values and padding mask, or linear sums.</summary>
internal sealed record CrossAttentionMemory(Tensor? Keys, Tensor? Values, Tensor? Padding, Tensor? Sums) : IDisposable
{
    public void Dispose()
    {
        Keys?.Dispose();
        Values?.Dispose();
        Padding?.Dispose();
        Sums?.Dispose();
    }
}
