using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Fused;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The decode step and verification of <see cref="SoftmaxAttention"/> as managed SIMD passes over CPU memory: rotary
/// embedding, the write of the new keys and values into the KV cache tensor's own memory, q k^T over the cache
/// (register-blocked, the queries that share a key/value head served by one pass over its keys), a numerically
/// stable softmax (the running maximum subtracted) and the weighted sum of the values. It computes the same function
/// as the tensor forms, in a different summation order; the float64 tests hold it to 1e-12.
/// The work is split by (row, key/value head) across <see cref="FusedWorkers"/> when it is large enough; each pair is
/// computed by one thread in the order one thread would use, at the caller's vector width, so any number of threads
/// gives the same bits.
/// </summary>
internal static class SoftmaxDecodeKernel
{
    /// <summary>Attention passes this thread has split across workers (tests check that a split happened).</summary>
    [ThreadStatic] internal static long t_parallelPasses;

    /// <summary>Whether the managed kernel can serve this state: float32 or float64 on the CPU.</summary>
    public static bool Applies(KvCacheState state)
        => state.Dtype is ScalarType.Float32 or ScalarType.Float64 && state.Device.type == DeviceType.CPU;

    /// <summary>
    /// One step of every row from the rows of a fused q/k/v projection ([batch, q + 2 kv], not yet rotated): writes
    /// each row's rotated key and value into cache slot position[b] and its output [batch, heads * d]. The cache must
    /// already hold position + 1 slots for every row; the caller advances the positions.
    /// </summary>
    public static void StepRows<T>(SoftmaxAttention mixer, KvCacheState state, ReadOnlySpan<T> qkv, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(mixer, state, 1, step: true, qkv, output, default, default);

    /// <summary>
    /// Verification of m candidates per row ([batch, m, q + 2 kv], row after row): candidate j of row b attends to
    /// the row's cached tokens and to candidates 0..j. Writes the outputs [batch, m, heads * d] and, for Commit, the
    /// candidates' rotated keys and their values [batch, kv_heads, m, d]; the state is read, never written. With
    /// <paramref name="tree"/> the m candidates of a row are its tree: candidate j sits at the row's position plus its
    /// depth and attends to the cache and to its own ancestors only (the others get weight exp(-inf) = 0).
    /// </summary>
    public static void VerifyRows<T>(SoftmaxAttention mixer, KvCacheState state, int m, ReadOnlySpan<T> qkv, Span<T> output, Span<T> keys, Span<T> values, TreeLayout? tree = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(mixer, state, m, step: false, qkv, output, keys, values, tree);

    static unsafe void Run<T>(SoftmaxAttention mixer, KvCacheState state, int m, bool step, ReadOnlySpan<T> qkv, Span<T> output, Span<T> keys, Span<T> values, TreeLayout? tree = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = mixer.Geometry;
        int batch = (int)state.Batch, d = g.HeadDim;
        int stride = (g.Heads + 2 * g.KvHeads) * d;
        if (qkv.Length != batch * m * stride || output.Length != batch * m * g.Heads * d)
            throw new ArgumentException($"Softmax attention over {batch} x {m} tokens needs {batch * m * stride} projected values and {batch * m * g.Heads * d} outputs, got {qkv.Length} and {output.Length}.", nameof(qkv));
        var cacheKeys = TensorMemory.Span<T>(state.Keys);
        var cacheValues = TensorMemory.Span<T>(state.Values);
        var positions = state.MutablePositions;
        // Rotary angles of every (row, candidate), computed here on the calling thread (the table grows under a lock
        // that the workers need not take).
        var rotary = mixer.Rotary;
        int half = rotary is null ? 0 : rotary.RotaryDim / 2;
        var angles = ArrayPool<T>.Shared.Rent(Math.Max(1, 2 * batch * m * half));
        try
        {
            long work = 0;
            for (int b = 0; b < batch; b++)
            {
                work += (positions[b] + m) * m;
                for (int j = 0; j < m && rotary is not null; j++)
                {
                    int at = (b * m + j) * 2 * half;
                    rotary.ManagedAngles(positions[b] + (tree is null ? j : tree.Depth(b, j)), angles.AsSpan(at, half), angles.AsSpan(at + half, half));
                }
            }
            work *= 2L * g.Heads * d;
            fixed (T* qkvP = qkv, outP = output, keysP = keys, valuesP = values, cacheKeysP = cacheKeys, cacheValuesP = cacheValues, anglesP = angles)
            fixed (long* positionsP = positions)
            {
                var pass = new Pass<T>
                {
                    Heads = g.Heads, KvHeads = g.KvHeads, HeadDim = d, Half = half, Candidates = m, Step = step,
                    Capacity = (int)state.Capacity, Scale = T.One / T.Sqrt(T.CreateChecked(d)),
                    Qkv = qkvP, Output = outP, Keys = keysP, Values = valuesP, CacheKeys = cacheKeysP, CacheValues = cacheValuesP,
                    Angles = anglesP, Positions = positionsP, Width = FusedIsa.For<T>(), Units = batch * g.KvHeads, Tree = tree,
                };
                int units = pass.Units;
                int parts = Math.Min(FusedDecoding.EffectiveThreads, units);
                if (parts >= 2 && work >= FusedDecoding.ParallelThreshold)
                {
                    var job = Job<T>.ForThisThread;
                    job.Pass = pass;
                    try
                    {
                        if (FusedWorkers.Shared.TryRun(job, parts))
                        {
                            t_parallelPasses++;
                            return;
                        }
                    }
                    finally
                    {
                        job.Pass = default;
                    }
                }
                Units(pass, 0, units);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(angles);
        }
    }

    /// <summary>One call's operands as pointers (pinned by the caller for as long as the pass runs).</summary>
    unsafe struct Pass<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Heads, KvHeads, HeadDim, Half, Candidates, Capacity, Units;
        public bool Step;
        public T Scale;
        public T* Qkv, Output, Keys, Values, CacheKeys, CacheValues, Angles;
        public long* Positions;
        public VectorWidth Width;
        public TreeLayout? Tree;   // null: the candidates are a chain
    }

    /// <summary>The pass of the calling thread, run in parts by the workers; one instance per thread, reused.</summary>
    sealed class Job<T> : IFusedJob where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] static Job<T>? t_job;

        public static Job<T> ForThisThread => t_job ??= new Job<T>();

        public Pass<T> Pass;

        public void Run(int part, int parts)
        {
            int units = Pass.Units;
            Units(Pass, (int)((long)units * part / parts), (int)((long)units * (part + 1) / parts));
        }
    }

    /// <summary>Runs the (row, key/value head) pairs [first, end) at the pass's vector width.</summary>
    static void Units<T>(in Pass<T> pass, int first, int end) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (pass.Width)
        {
            case VectorWidth.W512: Units<T, Width512<T>, Vector512<T>>(pass, first, end); break;
            case VectorWidth.W256: Units<T, Width256<T>, Vector256<T>>(pass, first, end); break;
            case VectorWidth.W128: Units<T, Width128<T>, Vector128<T>>(pass, first, end); break;
            default: Units<T, WidthScalar<T>, T>(pass, first, end); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Units<T, TW, TV>(in Pass<T> pass, int first, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ISimdWidth<TV, T>
        where TV : struct
    {
        int heads = pass.Heads, kvHeads = pass.KvHeads, d = pass.HeadDim, m = pass.Candidates, half = pass.Half;
        int perKv = heads / kvHeads, stride = (heads + 2 * kvHeads) * d, rows = perKv * m;
        long longest = 0;
        for (int unit = first; unit < end; unit++) longest = Math.Max(longest, pass.Positions[unit / kvHeads]);
        // Scratch: the scaled, rotated queries of one key/value head, their scores against the cache and among the candidates.
        int queryLength = rows * d, cacheLength = checked(rows * (int)longest), ownLength = rows * m;
        var rented = ArrayPool<T>.Shared.Rent(queryLength + cacheLength + ownLength);
        try
        {
            var queries = rented.AsSpan(0, queryLength);
            var cacheScores = rented.AsSpan(queryLength, cacheLength);
            var ownScores = rented.AsSpan(queryLength + cacheLength, ownLength);
            for (int unit = first; unit < end; unit++)
            {
                int b = unit / kvHeads, h = unit % kvHeads, cached = (int)pass.Positions[b];
                var cacheKeys = new Span<T>(pass.CacheKeys + (long)unit * pass.Capacity * d, pass.Capacity * d);
                var cacheValues = new Span<T>(pass.CacheValues + (long)unit * pass.Capacity * d, pass.Capacity * d);
                // The candidates' keys and values: a step writes its one token into the cache slot after the cached
                // ones (and reads it from there); a verification writes them to the record for Commit.
                Span<T> ownKeys, ownValues;
                if (pass.Step)
                {
                    ownKeys = cacheKeys.Slice(cached * d, d);
                    ownValues = cacheValues.Slice(cached * d, d);
                }
                else
                {
                    ownKeys = new Span<T>(pass.Keys + (long)unit * m * d, m * d);
                    ownValues = new Span<T>(pass.Values + (long)unit * m * d, m * d);
                }
                for (int j = 0; j < m; j++)
                {
                    var token = new ReadOnlySpan<T>(pass.Qkv + (long)(b * m + j) * stride, stride);
                    var angles = Angles(pass, b, j);
                    var cos = angles.Slice(0, half);
                    var sin = angles.Slice(half);
                    Rotate(token.Slice((heads + h) * d, d), ownKeys.Slice(j * d, d), cos, sin, T.One);
                    token.Slice((heads + kvHeads + h) * d, d).CopyTo(ownValues.Slice(j * d, d));
                    for (int r = 0; r < perKv; r++)
                        Rotate(token.Slice((h * perKv + r) * d, d), queries.Slice((r * m + j) * d, d), cos, sin, pass.Scale);
                }
                var past = cacheScores.Slice(0, rows * cached);
                if (cached > 0) BlockedKernels<T, TW, TV>.Linear(rows, queries, cacheKeys.Slice(0, cached * d), default, past, accumulate: false);
                BlockedKernels<T, TW, TV>.Linear(rows, queries, ownKeys, default, ownScores, accumulate: false);
                for (int r = 0; r < perKv; r++)
                {
                    int head = h * perKv + r;
                    for (int j = 0; j < m; j++)
                    {
                        int row = r * m + j;
                        var pastWeights = past.Slice(row * cached, cached);
                        var ownWeights = ownScores.Slice(row * m, j + 1);
                        // A tree slot sees only its ancestors (all before it in the tree's order): mask the others out.
                        if (pass.Tree is { } tree)
                            for (int i = 0; i < j; i++)
                                if (!tree.IsAncestorOrSelf(b, i, j)) ownWeights[i] = T.NegativeInfinity;
                        // Softmax over [past || candidates 0..j] without joining them: the common maximum first.
                        T max = TensorPrimitives.Max<T>(ownWeights);
                        if (cached > 0) max = T.Max(max, TensorPrimitives.Max<T>(pastWeights));
                        T sum = Exponentiate(ownWeights, max);
                        if (cached > 0) sum += Exponentiate(pastWeights, max);
                        var result = new Span<T>(pass.Output + (long)(b * m + j) * heads * d + head * d, d);
                        result.Clear();
                        if (cached > 0) BlockedKernels<T, TW, TV>.AddWeightedRows(pastWeights, cacheValues.Slice(0, cached * d), result);
                        BlockedKernels<T, TW, TV>.AddWeightedRows(ownWeights, ownValues.Slice(0, (j + 1) * d), result);
                        BlockedKernels<T, TW, TV>.Scale(T.One / sum, result, result);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>x = exp(x - max) in place; returns their sum.</summary>
    static T Exponentiate<T>(Span<T> x, T max) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract<T>(x, max, x);
        TensorPrimitives.Exp<T>(x, x);
        return TensorPrimitives.Sum<T>(x);
    }

    /// <summary>cos (first half) and sin (second half) of row b's candidate j: 2 x RotaryDim / 2 values, empty without rotary.</summary>
    static unsafe ReadOnlySpan<T> Angles<T>(in Pass<T> pass, int b, int j) where T : unmanaged, IFloatingPointIeee754<T>
        => pass.Half == 0 ? default : new ReadOnlySpan<T>(pass.Angles + (long)(b * pass.Candidates + j) * 2 * pass.Half, 2 * pass.Half);

    /// <summary>y = scale x rotated by the angles ("rotate half": dimension i pairs with i + half; the rest unrotated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Rotate<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> cos, ReadOnlySpan<T> sin, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int half = cos.Length;
        for (int i = 0; i < half; i++)
        {
            T x1 = x[i], x2 = x[i + half];
            y[i] = (x1 * cos[i] - x2 * sin[i]) * scale;
            y[i + half] = (x2 * cos[i] + x1 * sin[i]) * scale;
        }
        for (int i = 2 * half; i < x.Length; i++) y[i] = x[i] * scale;
    }
}
