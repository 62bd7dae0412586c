using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Causal depthwise convolution over time with one kernel of K taps per head, shared by the head's channels:
/// out_t = sum_{j=0}^{K-1} w[h, j] * x_{t-j}, with x before position 0 equal to zero. It has taps on the past only,
/// so no mask is needed and nothing can leak (docs/method.md, "The mixers").
/// </summary>
internal static class CausalDepthwiseConv
{
    /// <summary>
    /// Parallel form: x [batch, heads, time, dim], weight [heads, K]. Time is cut into chunks of C = max(K, 64) >= K - 1
    /// tokens; each chunk's output is T_cur x_chunk + T_prev x_previous_chunk with banded Toeplitz matrices
    /// [C, C] built from the kernel, so the work runs as two batched matmuls instead of a depthwise conv1d.
    /// </summary>
    public static Tensor Parallel(Tensor x, Tensor weight)
    {
        using var scope = NewDisposeScope();
        long[] shape = x.shape;
        long batch = shape[0], heads = shape[1], time = shape[2], dim = shape[3], taps = weight.shape[1];
        long chunk = Math.Max(taps, 64), chunks = (time + chunk - 1) / chunk, padded = chunks * chunk;
        var current = MixerMath.PadTime(x, padded);
        var previous = nn.functional.pad(current, (0, 0, chunk, 0)).narrow(2, 0, padded);
        var (tCurrent, tPrevious) = Toeplitz(weight, chunk);
        var output = tCurrent.matmul(current.view(batch, heads, chunks, chunk, dim))
            .add_(tPrevious.matmul(previous.view(batch, heads, chunks, chunk, dim)));
        return output.view(batch, heads, padded, dim).narrow(2, 0, time).MoveToOuterDisposeScope();
    }

    /// <summary>[1, heads, 1, C, C] matrices with T_cur[i, j] = w[i - j] and T_prev[i, j] = w[i + C - j] (zero off the band).</summary>
    static (Tensor Current, Tensor Previous) Toeplitz(Tensor weight, long chunk)
    {
        long heads = weight.shape[0], taps = weight.shape[1];
        var currentIndex = new long[chunk * chunk];
        var previousIndex = new long[chunk * chunk];
        for (long i = 0; i < chunk; i++)
        {
            for (long j = 0; j < chunk; j++)
            {
                long lag = i - j, lagBack = i + chunk - j;
                currentIndex[i * chunk + j] = lag >= 0 && lag < taps ? lag : taps;        // index `taps` reads the appended zero
                previousIndex[i * chunk + j] = lagBack < taps ? lagBack : taps;
            }
        }
        var withZero = cat(new[] { weight, zeros_like(weight.narrow(1, 0, 1)) }, 1);
        var current = withZero.index_select(1, tensor(currentIndex, device: weight.device)).view(1, heads, 1, chunk, chunk);
        var previous = withZero.index_select(1, tensor(previousIndex, device: weight.device)).view(1, heads, 1, chunk, chunk);
        return (current, previous);
    }

    /// <summary>
    /// Unfolded (img2col) form for m new rows: lays out [history (K-1 rows) || x (m rows)] along time, takes every
    /// window of K consecutive rows and contracts all windows with the kernel in one batched matmul.
    /// Returns the m outputs and the concatenated rows (which the caller reuses to update the history).
    /// </summary>
    public static (Tensor Output, Tensor Rows) Unfolded(Tensor history, Tensor x, Tensor weight)
    {
        using var scope = NewDisposeScope();
        long heads = weight.shape[0], taps = weight.shape[1];
        var rows = taps == 1 ? x : cat(new[] { history, x }, 2);
        var windows = rows.unfold(2, taps, 1);                               // [batch, heads, m, dim, K], oldest first
        var kernel = weight.flip(-1).view(1, heads, 1, taps, 1);
        var output = windows.matmul(kernel).squeeze(-1);
        return (output.MoveToOuterDisposeScope(), rows.MoveToOuterDisposeScope());
    }
}
