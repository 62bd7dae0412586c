using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The GLA gate of the augmented form's global term (<see cref="AugmentedLinearAttentionOptions.Gate"/>), and its
/// grouped global term in the three forms. Gates come from the key because a mixer sees only q, k and v:
/// log a_t = logsigmoid(k_t W_g + b_g) / tau per key dimension. Everything stays in log space: cumulative sums of
/// log a relative to a group start, and exponents c_later - c_earlier &lt;= 0, masked to 0 before exp, so that no
/// exp overflows and masked pairs give no NaN gradients. Computed in the state's dtype (float32 or float64).
/// </summary>
internal static class AugmentedGate
{
    /// <summary>Every gate starts at this value per token (W_g = 0): near 1, as GLA starts.</summary>
    const double InitialGate = 0.99;

    /// <summary>New W_g [kv_heads, d, d], zero: logit_t = k_t W_g + b_g per KV head.</summary>
    public static Parameter NewWeight(long kvHeads, long dim) => new(zeros(kvHeads, dim, dim, ScalarType.Float32));

    /// <summary>New b_g [kv_heads, d] = logit(0.99^tau), so that sigmoid(b_g)^(1 / tau) = 0.99.</summary>
    public static Parameter NewBias(long kvHeads, long dim, double temperature)
    {
        double open = Math.Pow(InitialGate, temperature);
        return new(full(kvHeads, dim, Math.Log(open / (1 - open)), ScalarType.Float32));
    }

    /// <summary>log a_t [batch, kv_heads, time, d] of keys [batch, kv_heads, time, d] (raw, not feature-mapped), in <paramref name="dtype"/>.</summary>
    public static Tensor LogGates(Tensor k, Tensor weight, Tensor bias, double temperature, ScalarType dtype)
    {
        var logits = k.matmul(weight.unsqueeze(0)).add(bias.unsqueeze(1));
        return nn.functional.logsigmoid(logits.to_type(dtype)).div(temperature);
    }

    /// <summary>
    /// The chunked parallel global term (groups are the chunks). qh [b, kv, rep, n, G, d], kh and vg [b, kv, 1, n, G, d],
    /// logs [b, kv, n, G, d] (zero on padding). Inside a group: the cumulative log c_t from the group start and the
    /// group's update U = sum_u (k^_u * exp(c_L - c_u)) v_u^T; across groups one state update per group,
    /// S &lt;- exp(c_L) S + U, from <paramref name="start"/> (zeros when null). Token t reads (q^_t * exp(c_t)) S at
    /// its group's start, or (inclusive) S at its group's end. Returns the term [b, kv, rep, n, G, d] in qh's dtype,
    /// and the state after the first <paramref name="complete"/> groups (null when there are none).
    /// </summary>
    public static (Tensor Global, Tensor? End) Parallel(Tensor qh, Tensor kh, Tensor vg, Tensor logs, Tensor? start, long complete, bool inclusive)
    {
        var dtype = logs.dtype;
        long batch = qh.shape[0], kv = qh.shape[1], groups = qh.shape[3], g = qh.shape[4], d = qh.shape[5];
        var cum = logs.cumsum(3);                                                 // c_t <= 0, [b, kv, n, G, d]
        var total = cum.narrow(3, g - 1, 1);                                      // c_L, [b, kv, n, 1, d]
        var k = kh.squeeze(2).to_type(dtype).mul(total.sub(cum).exp());           // exp(c_L - c_u) <= 1
        var updates = k.transpose(-1, -2).matmul(vg.squeeze(2).to_type(dtype));  // [b, kv, n, d, d]
        var decay = total.squeeze(3).exp().unsqueeze(-1);                         // [b, kv, n, d, 1]: rows of S are key dims
        var state = start ?? zeros(batch, kv, d, d, dtype, qh.device);
        Tensor? end = null;
        var read = new List<Tensor>((int)groups);
        for (long group = 0; group < groups; group++)
        {
            if (!inclusive) read.Add(state);
            state = decay.select(2, group).mul(state).add(updates.select(2, group));
            if (inclusive) read.Add(state);
            if (group == complete - 1) end = state;
        }
        var states = stack(read, 2).unsqueeze(2);                                 // [b, kv, 1, n, d, d]
        var queries = inclusive ? qh.to_type(dtype) : qh.to_type(dtype).mul(cum.exp().unsqueeze(2));
        return (queries.matmul(states).to_type(qh.dtype), end);
    }

    /// <summary>
    /// S after folding a whole buffer [b, kv, G, d] of k^, v and log gates (slots in time order, empty slots zero):
    /// exp(c_L) S + sum_u (k^_u * exp(c_L - c_u)) v_u^T.
    /// </summary>
    public static Tensor Fold(Tensor kv, Tensor keys, Tensor values, Tensor logs)
    {
        var cum = logs.cumsum(2);
        var total = cum.narrow(2, logs.shape[2] - 1, 1);                          // [b, kv, 1, d]
        var weighted = keys.to_type(kv.dtype).mul(total.sub(cum).exp());
        return total.transpose(-1, -2).exp().mul(kv).add(weighted.transpose(-1, -2).matmul(values.to_type(kv.dtype)));
    }

    /// <summary>
    /// The global term of m candidates (Verify): qh [b, kv, rep, m, d], the block [buffer (G) || candidates] of k^
    /// [b, kv, G + m, d] and log gates [b, kv, G + m, d] (empty buffer slots zero), S at the buffer's group start,
    /// and <paramref name="excluded"/> [b, 1, 1, m, G + m] (true where element e is not in an EARLIER group than
    /// candidate j). With T the cumulative log from the buffer's group start, candidate j reads
    /// (q^_j * exp(T_j)) S plus, for block elements e of earlier groups, (q^_j * exp(T_j - T_e)) . k^_e times v_e:
    /// the state at the start of j's group, unrolled. Returns (weights [b, kv, rep, m, G + m] for the block's values,
    /// the term read from S [b, kv, rep, m, d]), both in qh's dtype.
    /// </summary>
    public static (Tensor BlockWeights, Tensor FromState) Verify(Tensor qh, Tensor blockKeys, Tensor blockLogs, Tensor kv, Tensor excluded)
    {
        var dtype = kv.dtype;
        long batch = qh.shape[0], m = qh.shape[3], width = blockKeys.shape[2];
        var total = blockLogs.cumsum(2);                                          // T_e, [b, kv, G + m, d]
        var candidates = total.narrow(2, width - m, m);                           // T_j
        var queries = qh.to_type(dtype);
        var fromState = queries.mul(candidates.exp().unsqueeze(2)).matmul(kv.unsqueeze(2));
        // Mask before exp: non-causal pairs have T_j - T_e > 0 and would overflow.
        var pairs = excluded.view(batch, 1, m, width, 1);
        var decay = candidates.unsqueeze(3).sub(total.unsqueeze(2)).masked_fill(pairs, 0).exp();     // [b, kv, m, G + m, d]
        var keyed = blockKeys.to_type(dtype).unsqueeze(2).mul(decay).unsqueeze(2);                   // [b, kv, 1, m, G + m, d]
        var weights = queries.unsqueeze(4).mul(keyed).sum(-1).masked_fill(excluded, 0);              // [b, kv, rep, m, G + m]
        return (weights.to_type(qh.dtype), fromState.to_type(qh.dtype));
    }

    /// <summary>
    /// S after Commit: <paramref name="folded"/> [b, 1, G + m, 1] marks the block elements that the accept folds
    /// into S (all before the row's new group start). With T the cumulative log and T_F the sum over the folded
    /// elements: exp(T_F) S + sum over folded e of (k^_e * exp(T_F - T_e)) v_e^T (rows that fold nothing keep S).
    /// </summary>
    public static Tensor Commit(Tensor kv, Tensor blockKeys, Tensor blockValues, Tensor blockLogs, Tensor folded)
    {
        var dtype = kv.dtype;
        var total = blockLogs.cumsum(2);
        var foldedTotal = blockLogs.masked_fill(folded.logical_not(), 0).sum(2, keepdim: true);  // T_F, [b, kv, 1, d]
        var decay = foldedTotal.sub(total).masked_fill(folded.logical_not(), 0).exp();
        var keys = blockKeys.to_type(dtype).mul(decay).masked_fill(folded.logical_not(), 0);
        return foldedTotal.transpose(-1, -2).exp().mul(kv).add(keys.transpose(-1, -2).matmul(blockValues.to_type(dtype)));
    }
}
