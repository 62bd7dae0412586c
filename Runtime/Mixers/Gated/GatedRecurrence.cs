using TorchSharp;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The math shared by the gated and decayed linear attentions: S_t = diag(a_t) S_{t-1} + k_t v_t^T, o_t = q_t S_t
/// (inclusive of t), with the gates given as log a_t per key dimension, [.., time, d], or one per head, [.., time, 1]
/// (broadcast over the key dimensions). Shapes: q [batch, kv_heads, queries_per_kv, time, d], k [batch, kv_heads,
/// time, d], v [batch, kv_heads, time, e], S [batch, kv_heads, d, e], all in one floating-point type.
/// </summary>
/// <remarks>
/// Numerical care: decays are handled in log space. Inside a chunk, b_i is the inclusive cumulative sum of the log
/// gates from the chunk start; every decay used is exp(b_i - b_j) with i &gt;= j, or exp(b_i), or exp(b_last - b_j), so
/// every exponent is &lt;= 0 (log gates are &lt;= 0) and nothing overflows: small factors underflow to 0, which is their
/// limit. The pairwise differences are masked to -inf BEFORE exp, so the upper triangle (positive exponents) is never
/// exponentiated. Sums run only over one chunk (never over the whole sequence), so no long cumulative sum loses the
/// small differences to cancellation. Across chunks the state is carried by the recurrence itself, one chunk at a time.
/// </remarks>
internal static class GatedRecurrence
{
    /// <summary>
    /// The chunked parallel form: inside a chunk a masked quadratic form with pairwise decays; across chunks a state pass.
    /// Starts from <paramref name="initial"/> (zeros when null) and returns the outputs [batch, kv_heads,
    /// queries_per_kv, time, e] and the state after the last token.
    /// </summary>
    public static (Tensor Output, Tensor Final) Chunked(Tensor q, Tensor k, Tensor v, Tensor logGates, long chunk, Tensor? initial)
    {
        long batch = k.shape[0], kvHeads = k.shape[1], time = k.shape[2], d = k.shape[3], e = v.shape[3];
        long perKv = q.shape[2], width = logGates.shape[3];
        long chunks = (time + chunk - 1) / chunk, padded = chunks * chunk;
        // Padded tokens have zero keys and values and a log gate of 0 (a = 1): they change neither outputs nor state.
        var qc = PadTime5(q, padded).view(batch, kvHeads, perKv, chunks, chunk, d);
        var kc = PadTime(k, padded).view(batch, kvHeads, chunks, chunk, d);
        var vc = PadTime(v, padded).view(batch, kvHeads, chunks, chunk, e);
        var b = PadTime(logGates, padded).view(batch, kvHeads, chunks, chunk, width).cumsum(3);

        var output = Intra(qc, kc, vc, b);

        // Chunk n's keys decayed to the chunk's end (exp(b_last - b_j) <= 1) give its contribution to the state.
        var last = b.narrow(3, chunk - 1, 1);
        var contributions = kc.mul(last.sub(b).exp()).transpose(-1, -2).matmul(vc);
        var decay = last.squeeze(3).exp().unsqueeze(-1);
        var state = initial ?? zeros(batch, kvHeads, d, e, q.dtype, q.device);
        var before = new Tensor[chunks];
        for (long n = 0; n < chunks; n++)
        {
            before[n] = state;
            state = state.mul(decay.select(2, n)).add(contributions.select(2, n));
        }
        if (initial is not null || chunks > 1)
        {
            // Token i of chunk n reads the state before the chunk, decayed by exp(b_i) <= 1.
            var states = stack(before, 2).unsqueeze(2);
            output = output.add(qc.mul(b.exp().unsqueeze(2)).matmul(states));
        }
        return (output.view(batch, kvHeads, perKv, padded, e).narrow(3, 0, time), state);
    }

    /// <summary>
    /// o_i = sum_{j &lt;= i in the chunk} (q_i . (k_j * exp(b_i - b_j))) v_j, for every chunk at once. Per-head gates
    /// give a chunk x chunk decay matrix; per-dimension gates go through <see cref="IntraPerDimension"/>.
    /// </summary>
    static Tensor Intra(Tensor qc, Tensor kc, Tensor vc, Tensor b)
    {
        if (b.shape[4] != 1) return IntraPerDimension(qc, kc, vc, b);
        long chunk = kc.shape[3];
        var scalar = b.squeeze(4);
        var decay = scalar.unsqueeze(-1).sub(scalar.unsqueeze(-2)).masked_fill(Future(chunk, kc.device), double.NegativeInfinity).exp();
        var scores = qc.matmul(kc.unsqueeze(2).transpose(-1, -2)).mul(decay.unsqueeze(2));
        return scores.matmul(vc.unsqueeze(2));
    }

    /// <summary>
    /// The intra-chunk form with a decay per key dimension, split into sub-chunks of s tokens (as flash-linear-attention
    /// does) so that no chunk x chunk x d tensor is built. Inside a sub-chunk the pairwise decays exp(b_i - b_j) are
    /// explicit, s x s x d. A key j before sub-chunk I reaches query i through r_I, the cumulative log gate at I's
    /// first token: exp(b_i - b_j) = exp(b_i - r_I) exp(r_I - b_j), and both exponents are &lt;= 0 (i is at or after
    /// I's start, j before it), so neither factor can overflow; the key factor is masked to -inf before exp where j is
    /// not before I. Memory per token drops from chunk x d to (s + chunk / s) x d.
    /// </summary>
    static Tensor IntraPerDimension(Tensor qc, Tensor kc, Tensor vc, Tensor b)
    {
        long batch = kc.shape[0], kvHeads = kc.shape[1], chunks = kc.shape[2], chunk = kc.shape[3], d = kc.shape[4];
        long perKv = qc.shape[2], e = vc.shape[4];
        long s = SubChunk(chunk), n = chunk / s;
        var bs = b.view(batch, kvHeads, chunks, n, s, d);
        var ks = kc.view(batch, kvHeads, chunks, n, s, d);
        var vs = vc.view(batch, kvHeads, chunks, n, s, e);
        var qs = qc.view(batch, kvHeads, perKv, chunks, n, s, d);

        // Inside each sub-chunk: [.., n, i, j, d] decays, (k_j * decay_ij) . q_i as a batched matrix-vector product.
        var pairwise = bs.unsqueeze(-2).sub(bs.unsqueeze(-3)).masked_fill(Future(s, kc.device).unsqueeze(-1), double.NegativeInfinity).exp();
        var keys = ks.unsqueeze(-3).mul(pairwise).unsqueeze(2);
        var output = keys.matmul(qs.unsqueeze(-1)).squeeze(-1).matmul(vs.unsqueeze(2));
        if (n == 1) return output.view(batch, kvHeads, perKv, chunks, chunk, e);

        // Across sub-chunks: queries of I decayed from r_I [.., I, s, d], and every earlier key of the chunk decayed to
        // r_I [.., I, chunk, d] (masked before exp where j is not before I), so one matmul per sub-chunk gives its row
        // block of the chunk x chunk scores.
        var r = bs.narrow(4, 0, 1);
        var scaledQueries = qs.mul(bs.sub(r).exp().unsqueeze(2));
        var notBefore = arange(chunk, device: kc.device).unsqueeze(0).ge(arange(0, chunk, s, device: kc.device).unsqueeze(1));
        var keyDecay = r.sub(b.unsqueeze(3)).masked_fill(notBefore.unsqueeze(-1), double.NegativeInfinity).exp();
        var scaledKeys = kc.unsqueeze(3).mul(keyDecay).unsqueeze(2);
        var scores = scaledQueries.matmul(scaledKeys.transpose(-1, -2)).view(batch, kvHeads, perKv, chunks, chunk, chunk);
        return output.view(batch, kvHeads, perKv, chunks, chunk, e).add(scores.matmul(vc.unsqueeze(2)));
    }

    /// <summary>The sub-chunk length: the largest divisor of the chunk that is at most its square root.</summary>
    static long SubChunk(long chunk)
    {
        long s = (long)Math.Sqrt(chunk);
        while (chunk % s != 0) s--;
        return s;
    }

    /// <summary>[size, size], true above the diagonal: the pairs (i, j) with j after i.</summary>
    static Tensor Future(long size, Device device) => ones(size, size, ScalarType.Bool, device).triu(1);

    /// <summary>One token: S = diag(a) S + k v^T, then o = q S. <paramref name="state"/> is updated in place.</summary>
    public static Tensor Step(Tensor q, Tensor k, Tensor v, Tensor logGates, Tensor state)
    {
        // logGates [batch, kv_heads, 1, g] -> a column [batch, kv_heads, g, 1] that scales the rows of S.
        state.mul_(logGates.exp().transpose(-1, -2)).add_(k.transpose(-1, -2).matmul(v));
        return q.matmul(state.unsqueeze(2));
    }

    /// <summary>
    /// The state after the first <paramref name="accepted"/>[b] of m pending tokens of row b, from the state before
    /// them: diag(exp(c_j)) S + sum_{i &lt; j} diag(exp(c_j - c_i)) k_i v_i^T with c the inclusive cumulative log gates
    /// of the pending tokens and c_j the one at the last accepted token (0 when none is).
    /// </summary>
    public static Tensor Advance(Tensor state, Tensor k, Tensor v, Tensor cumulative, ReadOnlySpan<long> accepted)
    {
        long batch = k.shape[0], kvHeads = k.shape[1], m = k.shape[2], width = cumulative.shape[3];
        var starts = zeros(batch, kvHeads, 1, width, cumulative.dtype, cumulative.device);
        var ends = cat(new[] { starts, cumulative }, 2)
            .gather(2, tensor(accepted.ToArray(), ScalarType.Int64, cumulative.device).view(batch, 1, 1, 1).expand(batch, kvHeads, 1, width));
        var rejected = new bool[batch * m];
        for (int row = 0; row < batch; row++)
            for (long j = accepted[row]; j < m; j++) rejected[row * m + j] = true;
        var mask = tensor(rejected, [batch, 1, m, 1], device: k.device);
        // Rejected tokens are masked before exp (their exponent would be positive).
        var weights = ends.sub(cumulative).masked_fill(mask, double.NegativeInfinity).exp();
        return state.mul(ends.exp().transpose(-1, -2)).add(k.mul(weights).transpose(-1, -2).matmul(v));
    }

    /// <summary><see cref="PadTime"/> for grouped queries [batch, kv_heads, queries_per_kv, time, d].</summary>
    static Tensor PadTime5(Tensor x, long padded)
        => padded == x.shape[3] ? x : nn.functional.pad(x, (0, 0, 0, padded - x.shape[3]));
}
