using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Positional;

/// <summary>
/// Rotary position embedding (RoPE) by absolute position, in the Hugging Face LLaMA layout ("rotate half":
/// the first half of the rotated dimensions pairs with the second half). Angles are computed once in float64 into
/// cached tables, so every form (parallel, step, verify) rotates a token identically and a decode step costs
/// two table look-ups and three element-wise ops per tensor.
/// </summary>
/// <remarks>The tables are cached per dtype and device; whoever creates the embedding disposes it.</remarks>
public sealed class RotaryEmbedding : IDisposable
{
    static readonly Scalar One = 1.0.ToScalar();
    readonly double[] _inverseFrequencies;
    readonly Dictionary<(ScalarType, DeviceType, int), (Tensor Cos, Tensor Sin)> _tables = new();
    const int ManagedTableLimit = 1 << 16;
    readonly object _managedGrowth = new();
    (double[] Cos, double[] Sin) _managed = ([], []);

    /// <summary>Creates a rotary embedding over the first <paramref name="rotaryDim"/> dimensions of each head.</summary>
    /// <param name="headDim">Width of one head.</param>
    /// <param name="theta">Base of the frequencies (LLaMA: 10000).</param>
    /// <param name="rotaryDim">Rotated dimensions (even, at most headDim); defaults to the whole head.</param>
    public RotaryEmbedding(int headDim, double theta = 10000, int? rotaryDim = null)
    {
        int dim = rotaryDim ?? headDim;
        if (dim <= 0 || dim % 2 != 0 || dim > headDim)
            throw new ArgumentException($"Rotary dimension {dim} must be even, positive and at most the head size {headDim}.", nameof(rotaryDim));
        if (!(theta > 1)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "Rotary theta must be greater than 1.");
        HeadDim = headDim;
        RotaryDim = dim;
        Theta = theta;
        _inverseFrequencies = Enumerable.Range(0, dim / 2).Select(i => Math.Pow(theta, -2.0 * i / dim)).ToArray();
    }

    /// <summary>Width of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Rotated dimensions.</summary>
    public int RotaryDim { get; }

    /// <summary>Frequency base.</summary>
    public double Theta { get; }

    /// <summary>theta^(-2i / RotaryDim) for i in 0..RotaryDim/2-1; angle = position x frequency.</summary>
    internal IReadOnlyList<double> InverseFrequencies => _inverseFrequencies;

    /// <summary>
    /// cos and sin of position x frequency for the managed decode kernels (RotaryDim / 2 of each), read from a table
    /// that grows by doubling up to 65,536 positions and computed directly beyond; the same values either way.
    /// </summary>
    internal void ManagedAngles<T>(long position, Span<T> cos, Span<T> sin) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        int half = _inverseFrequencies.Length;
        if (position >= ManagedTableLimit)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = position * _inverseFrequencies[i];
                cos[i] = T.CreateChecked(Math.Cos(angle));
                sin[i] = T.CreateChecked(Math.Sin(angle));
            }
            return;
        }
        var table = _managed;
        if (position * half >= table.Cos.Length) table = GrowManaged(position);
        int offset = (int)position * half;
        for (int i = 0; i < half; i++)
        {
            cos[i] = T.CreateChecked(table.Cos[offset + i]);
            sin[i] = T.CreateChecked(table.Sin[offset + i]);
        }
    }

    (double[] Cos, double[] Sin) GrowManaged(long position)
    {
        lock (_managedGrowth)
        {
            int half = _inverseFrequencies.Length;
            if (position * half < _managed.Cos.Length) return _managed;
            int rows = (int)Math.Min(ManagedTableLimit, Math.Max(Math.Max(256, 2L * _managed.Cos.Length / half), position + 1));
            var cos = new double[rows * half];
            var sin = new double[rows * half];
            for (int p = 0; p < rows; p++)
            {
                for (int i = 0; i < half; i++)
                {
                    double angle = p * _inverseFrequencies[i];
                    cos[p * half + i] = Math.Cos(angle);
                    sin[p * half + i] = Math.Sin(angle);
                }
            }
            return _managed = (cos, sin);
        }
    }

    /// <summary>
    /// Cosines and signed sines for the given absolute positions: [time, RotaryDim] when every row starts at
    /// <paramref name="starts"/>[0] (broadcasts over batch and heads), else [batch, 1, time, RotaryDim].
    /// </summary>
    public (Tensor Cos, Tensor Sin) Angles(IReadOnlyList<long> starts, long time, ScalarType dtype, Device device)
    {
        long first = starts[0], last = first;
        bool uniform = true;
        for (int b = 1; b < starts.Count; b++)
        {
            uniform &= starts[b] == first;
            last = Math.Max(last, starts[b]);
        }
        var (cos, sin) = Table(last + time, dtype, device);
        if (uniform) return (cos.narrow(0, first, time), sin.narrow(0, first, time));

        var index = new long[starts.Count * time];
        for (int b = 0; b < starts.Count; b++)
            for (int t = 0; t < time; t++) index[b * time + t] = starts[b] + t;
        using var rows = tensor(index, device: device);
        return (cos.index_select(0, rows).view(starts.Count, 1, time, RotaryDim), sin.index_select(0, rows).view(starts.Count, 1, time, RotaryDim));
    }

    /// <summary>
    /// Rotates x [batch, heads, time, HeadDim] with angles from <see cref="Angles"/>. Call it inside a dispose
    /// scope: its temporaries join the caller's scope (it runs on every decode step, so it opens none of its own).
    /// </summary>
    public Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        if (RotaryDim == HeadDim) return RotateAll(x, cos, sin);
        var rotated = RotateAll(x.narrow(-1, 0, RotaryDim), cos, sin);
        return cat(new[] { rotated, x.narrow(-1, RotaryDim, HeadDim - RotaryDim) }, -1);
    }

    /// <summary>x cos + rotate_half(x) sin, where rotate_half(x) = [-x2, x1] = roll(x, half) with the sign kept in the sine table.</summary>
    Tensor RotateAll(Tensor x, Tensor cos, Tensor sin) => x.mul(cos).addcmul_(x.roll(RotaryDim / 2, -1), sin, One);

    (Tensor Cos, Tensor Sin) Table(long positions, ScalarType dtype, Device device)
    {
        var key = (dtype, device.type, device.index);
        if (_tables.TryGetValue(key, out var table) && table.Cos.shape[0] >= positions) return table;
        long capacity = Math.Max(1024, (long)BitOperations.RoundUpToPowerOf2((ulong)positions));
        using (var scope = NewDisposeScope())
        {
            var frequencies = tensor(_inverseFrequencies, dtype: ScalarType.Float64, device: device);
            var angles = arange(capacity, ScalarType.Float64, device).unsqueeze(1).mul(frequencies);
            var cos = angles.cos();
            var sin = angles.sin();
            var fresh = (cat(new[] { cos, cos }, 1).to(dtype).DetachFromDisposeScope(), cat(new[] { sin.neg(), sin }, 1).to(dtype).DetachFromDisposeScope());
            if (_tables.Remove(key, out var old))
            {
                old.Cos.Dispose();
                old.Sin.Dispose();
            }
            _tables[key] = fresh;
            return fresh;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (cos, sin) in _tables.Values)
        {
            cos.Dispose();
            sin.Dispose();
        }
        _tables.Clear();
    }
}
