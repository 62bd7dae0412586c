using TorchSharp;
using static TorchSharp.torch;
using static LinearDsl.Runtime.Mixers.MixerMath;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The chunked parallel form of the delta rule (the WY representation, as in flash-linear-attention's chunk_delta_rule).
/// Inside a chunk that starts from the state S, the rule S_t = S_{t-1} + k_t u_t^T with
/// u_t = beta_t (v_t - S_{t-1}^T k_t) unrolls to u_t = beta_t (v_t - S^T k_t - sum_{j&lt;t} (k_t . k_j) u_j), that is
/// (I + A) U = diag(beta) (V - K S) with A = tril(diag(beta) K K^T, -1). So with the UT transform
/// T = (I + A)^-1 diag(beta), W = T K and U~ = T V (independent of S, all chunks at once): U = U~ - W S,
/// the chunk's outputs are Q S + tril(Q K^T) U (the diagonal included: o_t reads S_t) and the next state is S + K^T U.
/// Only that last pass runs chunk after chunk; no loop over tokens.
/// </summary>
/// <remarks>
/// Numerical care. I + A is unit lower triangular, so T comes from one forward substitution
/// (<c>linalg.solve_triangular</c>, unitriangular) for the right-hand sides [beta K | beta V] together: no explicit
/// inverse, no power series, no pivoting. Its off-diagonal entries are beta_i k_i . k_j with |k| &lt; 1 (L2 norm plus
/// eps) and beta in (0, 1), so they lie in (-1, 1). Each step multiplies the state by I - beta_t k_t k_t^T, whose
/// eigenvalues are 1 - beta_t |k_t|^2 in (0, 1) along k_t and 1 elsewhere: the transition is non-expansive, so
/// |S_t| &lt;= |S_{t-1}| + beta_t |k_t| |v_t| and S_t^T k_t moves towards v_t (a convex combination): the state
/// never grows exponentially, whereas unnormalised keys expand it as soon as beta |k|^2 &gt; 2. W and U are the chunk's
/// products of such transitions applied to K and V, so they stay bounded too. Everything runs in the state's dtype
/// (float32, or float64 for float64 inputs).
/// </remarks>
internal static class DeltaNetChunks
{
    /// <summary>The result of <see cref="Run"/>: outputs, the normalised keys and per-token updates u_t, the final state.</summary>
    public readonly record struct Result(Tensor Output, Tensor Keys, Tensor Updates, Tensor State);

    /// <summary>
    /// Runs the delta rule over q [batch, kv_heads, group, time, d] (normalised), k [batch, kv_heads, time, d]
    /// (normalised), v and beta [batch, kv_heads, time] from state <paramref name="state"/> [batch, kv_heads, d, d],
    /// all in one dtype; never writes <paramref name="state"/>. Outputs are [batch, kv_heads, group, time, d].
    /// </summary>
    public static Result Run(Tensor q, Tensor k, Tensor v, Tensor beta, Tensor state, long chunk)
    {
        long[] shape = q.shape;
        long batch = shape[0], kvHeads = shape[1], group = shape[2], time = shape[3], dim = shape[4];
        long chunks = (time + chunk - 1) / chunk, padded = chunks * chunk;
        // Padded tokens have k = v = beta = 0: they write nothing and their outputs are dropped.
        var kc = PadTime(k, padded).view(batch, kvHeads, chunks, chunk, dim);
        var vc = PadTime(v, padded).view(batch, kvHeads, chunks, chunk, dim);
        var bc = PadTime(beta.unsqueeze(-1), padded).view(batch, kvHeads, chunks, chunk, 1);
        var qc = PadTime(q.flatten(1, 2), padded).view(batch, kvHeads, group, chunks, chunk, dim);

        // (I + tril(diag(beta) K K^T, -1)) [W | U~] = [beta K | beta V], every chunk at once.
        // unitriangular: the solver takes the diagonal as 1 and reads only the strictly lower part (zeroed above anyway).
        var diagonalAndAbove = ones(chunk, chunk, ScalarType.Bool, q.device).triu(0);
        var system = bc.mul(kc).matmul(kc.transpose(-1, -2)).masked_fill(diagonalAndAbove, 0);
        var solved = linalg.solve_triangular(system, cat([bc.mul(kc), bc.mul(vc)], -1), upper: false, left: true, unitriangular: true);
        var w = solved.narrow(-1, 0, dim);
        var u = solved.narrow(-1, dim, dim);
        // Inclusive causal scores inside each chunk.
        var future = ones(chunk, chunk, ScalarType.Bool, q.device).triu(1);
        var scores = qc.matmul(kc.unsqueeze(2).transpose(-1, -2)).masked_fill(future, 0);

        var outputs = new Tensor[chunks];
        var updates = new Tensor[chunks];
        var s = state;
        for (long c = 0; c < chunks; c++)
        {
            var corrected = u.select(2, c).sub(w.select(2, c).matmul(s));
            outputs[c] = qc.select(3, c).matmul(s.unsqueeze(2)).add(scores.select(3, c).matmul(corrected.unsqueeze(2)));
            updates[c] = corrected;
            s = s.add(kc.select(2, c).transpose(-1, -2).matmul(corrected));
        }
        var output = (chunks == 1 ? outputs[0] : cat(outputs, 3)).narrow(3, 0, time);
        var allUpdates = (chunks == 1 ? updates[0] : cat(updates, 2)).narrow(2, 0, time);
        return new Result(output, k, allUpdates, s);
    }
}
