using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>Logits read back to the host as float64, as every decoding round needs them for acceptance and sampling.</summary>
internal static class HostLogits
{
    /// <summary>The logits [batch, length, vocab] at each row's requested block indices, as float64 on the host ([row][index][vocab]).</summary>
    public static double[][][] Gather(Tensor logits, int length, Func<int, IReadOnlyList<int>> indices)
    {
        int batch = (int)logits.shape[0], vocab = (int)logits.shape[2];
        var wanted = Enumerable.Range(0, batch).Select(indices).ToArray();
        var flat = wanted.SelectMany((idx, b) => idx.Select(i => (long)(b * length + i))).ToArray();
        var rows = ReadRows(logits, flat, vocab);
        var result = new double[batch][][];
        int k = 0;
        for (int b = 0; b < batch; b++)
        {
            result[b] = new double[wanted[b].Count][];
            for (int j = 0; j < wanted[b].Count; j++, k++) result[b][j] = rows.AsSpan(k * vocab, vocab).ToArray();
        }
        return result;
    }

    /// <summary>The logits of the given flat rows as float64, read in place when they sit contiguous on the CPU (every round reads them).</summary>
    public static double[] ReadRows(Tensor logits, long[] flat, int vocab)
    {
        if (logits.device_type == DeviceType.CPU && logits.is_contiguous() && logits.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            var rows = new double[flat.Length * vocab];
            if (logits.dtype == ScalarType.Float32)
            {
                var data = TensorMemory.Span<float>(logits);
                for (int r = 0; r < flat.Length; r++)
                    for (int v = 0; v < vocab; v++) rows[r * vocab + v] = data[(int)flat[r] * vocab + v];
            }
            else
            {
                var data = TensorMemory.Span<double>(logits);
                for (int r = 0; r < flat.Length; r++) data.Slice((int)flat[r] * vocab, vocab).CopyTo(rows.AsSpan(r * vocab, vocab));
            }
            return rows;
        }
        return logits.reshape(-1, vocab).index_select(0, tensor(flat, ScalarType.Int64, logits.device))
            .to_type(ScalarType.Float64).cpu().data<double>().ToArray();
    }
}
