using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Causal depthwise convolution over time with one kernel of K taps per head, shared by the head's channels:
/// out_t = sum_{j=0}^{K-1} w[h, j] * x_{t-j}, with x before position 0 equal to zero. It has taps on the past only,
/// so no mask is needed and nothing can leak (method.md section 1).
/// </summary>
internal static class CausalDepthwiseConv
{
    /// <summary>Parallel form: x [batch, heads, time, dim], weight [heads, K].</summary>
    public static Tensor Parallel(Tensor x, Tensor weight)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], heads = x.shape[1], time = x.shape[2], dim = x.shape[3], taps = weight.shape[1];
        // conv1d is a cross-correlation over [t-K+1, t] after left padding, so it takes the kernel reversed.
        var channels = x.permute(0, 1, 3, 2).reshape(batch, heads * dim, time);
        var kernel = weight.flip(-1).repeat_interleave(dim, 0).unsqueeze(1);
        var padded = nn.functional.pad(channels, (taps - 1, 0));
        var y = nn.functional.conv1d(padded, kernel, groups: heads * dim);
        return y.view(batch, heads, dim, time).permute(0, 1, 3, 2).MoveToOuterDisposeScope();
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
