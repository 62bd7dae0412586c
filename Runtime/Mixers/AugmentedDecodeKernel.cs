using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Fused;
using LinearDsl.Runtime.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The decode step of <see cref="AugmentedLinearAttention"/> as one managed SIMD pass over CPU memory: rotary
/// embedding, L2 feature map, buffer write, local ReLU^2 over the open group, q^ S, the causal conv, the history
/// shift and the group fold, with no libtorch op in between (a decode step is otherwise a chain of ~35 tiny ops
/// whose dispatch costs more than their arithmetic). It computes the same function as the generic step, in a
/// different summation order; the float64 form-equivalence tests run it under no_grad. It applies only to
/// inference (grad disabled) on float32/float64 CPU tensors; elsewhere the generic ops run.
/// Its methods are compiled fully optimised at once (no tier-0 phase), so the first tokens are as fast as the rest.
/// </summary>
internal static class AugmentedDecodeKernel
{
    /// <summary>Whether the fused step can serve these inputs.</summary>
    public static bool Applies(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v, AugmentedLinearState state)
        => q.device_type == DeviceType.CPU && Applies(mixer, state);

    /// <summary>Whether the fused step can serve this state (inputs given as CPU spans).</summary>
    public static bool Applies(AugmentedLinearAttention mixer, AugmentedLinearState state)
    {
        var dtype = state.Dtype;
        // The managed kernels know no gate: a gated mixer takes its tensor forms (and the decode program with it).
        return !mixer.Gated
            && !is_grad_enabled()
            && dtype is ScalarType.Float32 or ScalarType.Float64
            && state.Device.type == DeviceType.CPU
            && (mixer.Alpha is null || mixer.Alpha.dtype == dtype)
            && (mixer.ConvWeight is null || mixer.ConvWeight.dtype == dtype);
    }

    /// <summary>Runs one step; returns the output [batch, heads, 1, d]. The caller advances the positions.</summary>
    public static Tensor Step(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v, AugmentedLinearState state)
        => state.Dtype == ScalarType.Float64 ? Step<double>(mixer, q, k, v, state) : Step<float>(mixer, q, k, v, state);

    static Tensor Step<T>(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v, AugmentedLinearState state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = mixer.Geometry;
        var output = empty([state.Batch, g.Heads, 1, g.HeadDim], state.Dtype, state.Device);
        // Batched rows sliced out of a fused projection are strided; one copy each is still far cheaper than the ops.
        var qData = Data<T>(q.is_contiguous() ? q : q.contiguous());
        var kData = Data<T>(k.is_contiguous() ? k : k.contiguous());
        var vData = Data<T>(v.is_contiguous() ? v : v.contiguous());
        int qStride = g.Heads * g.HeadDim, kvStride = g.KvHeads * g.HeadDim;
        StepRows<T>(mixer, state, qData, qStride, kData, kvStride, vData, kvStride, Data<T>(output));
        return output;
    }

    /// <summary>
    /// One step of every row from spans: row b's query heads start at b * qStride of <paramref name="q"/> (keys and
    /// values likewise), so rows of a fused q/k/v projection can be read in place. Writes [batch, heads, d] to
    /// <paramref name="output"/>; the caller advances the positions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void StepRows<T>(AugmentedLinearAttention mixer, AugmentedLinearState state,
        ReadOnlySpan<T> q, int qStride, ReadOnlySpan<T> k, int kStride, ReadOnlySpan<T> v, int vStride, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = mixer.Geometry;
        var o = mixer.Options;
        int heads = g.Heads, kvHeads = g.KvHeads, perKv = g.QueriesPerKv, d = g.HeadDim;
        int group = o.GroupSize, taps = o.ConvTaps;
        bool buffer = o.Local || o.Global, conv = o.Conv;
        long batch = state.Batch;
        var outData = output;
        var view = new StateView<T>(mixer, state);
        Span<T> keys = view.Keys, values = view.Values, kv = view.Kv, history = view.History;
        ReadOnlySpan<T> kernel = view.Kernel;
        T alpha = view.Alpha, eps = view.Eps;

        var rotary = mixer.Rotary;
        int half = rotary is null ? 0 : rotary.RotaryDim / 2;
        Span<T> cos = stackalloc T[half];
        Span<T> sin = stackalloc T[half];
        Span<T> kHat = stackalloc T[d];
        Span<T> qHat = stackalloc T[d];
        Span<T> convOut = stackalloc T[d];
        Span<T> scaled = stackalloc T[d];
        Span<T> scores = group <= 1024 ? stackalloc T[group] : new T[group];

        for (int b = 0; b < batch; b++)
        {
            long position = state.Positions[b];
            int slot = (int)(position % group);
            if (rotary is not null) Angles(rotary, position, cos, sin);
            for (int h = 0; h < kvHeads; h++)
            {
                int kvRow = b * kvHeads + h;
                var vIn = v.Slice(b * vStride + h * d, d);
                var keyRows = buffer ? keys.Slice(kvRow * group * d, group * d) : default;
                var valueRows = buffer ? values.Slice(kvRow * group * d, group * d) : default;
                if (buffer)
                {
                    FeatureMap(k.Slice(b * kStride + h * d, d), kHat, cos, sin, eps);
                    kHat.CopyTo(keyRows.Slice(slot * d, d));
                    vIn.CopyTo(valueRows.Slice(slot * d, d));
                }
                if (conv)
                {
                    // History is newest first: row j holds v_{t-1-j}, so it meets kernel tap j + 1.
                    var w = kernel.Slice(h * taps, taps);
                    Scale(w[0], vIn, convOut);
                    if (taps > 1)
                    {
                        var rows = history.Slice(kvRow * (taps - 1) * d, (taps - 1) * d);
                        FusedMath.AddWeightedRows(w.Slice(1), rows, convOut);
                        rows.Slice(0, (taps - 2) * d).CopyTo(rows.Slice(d));             // memmove: shift by one
                        vIn.CopyTo(rows.Slice(0, d));
                    }
                }
                for (int r = 0; r < perKv; r++)
                {
                    int head = h * perKv + r, row = b * heads + head;
                    var result = outData.Slice(row * d, d);
                    result.Clear();
                    if (buffer) FeatureMap(q.Slice(b * qStride + head * d, d), qHat, cos, sin, eps);
                    if (o.Local)
                    {
                        // The open group's slots 0..slot, this token's included: scores in one pass, then ReLU^2.
                        var weights = scores.Slice(0, slot + 1);
                        FusedMath.Linear(1, qHat, keyRows.Slice(0, (slot + 1) * d), default, weights, accumulate: false);
                        for (int s = 0; s <= slot; s++) weights[s] = LocalWeight(weights[s]);
                        FusedMath.AddWeightedRows<T>(weights, valueRows, result);
                    }
                    if (o.Global) AddGlobal(qHat, kv.Slice(kvRow * d * d, d * d), alpha, scaled, result);
                    if (conv) Add(convOut, result);
                }
                if (buffer && slot == group - 1) FoldGroup(o, keyRows, valueRows, o.Global ? kv.Slice(kvRow * d * d, d * d) : default, d);
            }
        }
    }

    /// <summary>
    /// Verifies m candidates per row against the state without writing it (the same function as the generic
    /// VerifyCore: local ReLU^2 within each candidate's group, linear weights for elements of earlier groups inside
    /// [buffer || candidates], q^ S, and the conv over [history || candidates]). Returns the outputs
    /// [batch, heads, m, d] and, for Commit, the candidates' k^ and v [batch, kv_heads, m, d].
    /// </summary>
    public static (Tensor Output, Tensor Keys, Tensor Values) Verify(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v, AugmentedLinearState state)
        => state.Dtype == ScalarType.Float64 ? Verify<double>(mixer, q, k, v, state) : Verify<float>(mixer, q, k, v, state);

    static (Tensor Output, Tensor Keys, Tensor Values) Verify<T>(AugmentedLinearAttention mixer, Tensor q, Tensor k, Tensor v, AugmentedLinearState state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = mixer.Geometry;
        int heads = g.Heads, kvHeads = g.KvHeads, d = g.HeadDim, m = (int)q.shape[2];
        long batch = state.Batch;
        var output = empty([batch, heads, m, d], state.Dtype, state.Device);
        var keysOut = empty([batch, kvHeads, m, d], state.Dtype, state.Device);
        var values = v.is_contiguous() ? v : v.contiguous();
        var qData = Data<T>(q.is_contiguous() ? q : q.contiguous());
        var kData = Data<T>(k.is_contiguous() ? k : k.contiguous());
        // [batch, heads, m, d] everywhere: a row's heads one after another, each head's candidates one after another.
        var queries = new RowLayout(heads * m * d, m * d, d);
        var keys = new RowLayout(kvHeads * m * d, m * d, d);
        VerifyRows<T>(mixer, state, m, qData, queries, kData, keys, Data<T>(values), Data<T>(output), queries, Data<T>(keysOut));
        return (output, keysOut, values);
    }

    /// <summary>
    /// Commits the first accepted[b] verified candidates of row b: each goes into its group slot (a completed group
    /// folds into S and empties the buffer) and into the conv history, in order, as that many steps would have
    /// written them. <paramref name="keys"/> (k^) and <paramref name="values"/> are [batch, kv_heads, m, d]. The
    /// caller advances the positions. With <paramref name="paths"/> (a tree record) row b's j-th committed candidate is
    /// slot paths[b][j] instead of j.
    /// </summary>
    public static void Commit(AugmentedLinearAttention mixer, AugmentedLinearState state, Tensor keys, Tensor values, ReadOnlySpan<long> accepted, IReadOnlyList<IReadOnlyList<int>>? paths = null)
    {
        if (state.Dtype == ScalarType.Float64) Commit<double>(mixer, state, Data<double>(keys), Data<double>(values), (int)keys.shape[2], accepted, paths);
        else Commit<float>(mixer, state, Data<float>(keys), Data<float>(values), (int)keys.shape[2], accepted, paths);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Commit<T>(AugmentedLinearAttention mixer, AugmentedLinearState state, ReadOnlySpan<T> keyData, ReadOnlySpan<T> valueData, int m, ReadOnlySpan<long> accepted,
        IReadOnlyList<IReadOnlyList<int>>? paths)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = mixer.Geometry;
        var o = mixer.Options;
        int kvHeads = g.KvHeads, d = g.HeadDim, group = o.GroupSize, taps = o.ConvTaps;
        bool buffer = o.Local || o.Global, history = o.Conv && taps > 1;
        var view = new StateView<T>(mixer, state);
        Span<T> keys = view.Keys, values = view.Values, kv = view.Kv, rows = view.History;
        for (int b = 0; b < state.Batch; b++)
        {
            long position = state.Positions[b];
            for (int h = 0; h < kvHeads; h++)
            {
                int kvRow = b * kvHeads + h;
                var keyRows = buffer ? keys.Slice(kvRow * group * d, group * d) : default;
                var valueRows = buffer ? values.Slice(kvRow * group * d, group * d) : default;
                var historyRows = history ? rows.Slice(kvRow * (taps - 1) * d, (taps - 1) * d) : default;
                for (int j = 0; j < accepted[b]; j++)
                {
                    int source = paths is null ? j : paths[b][j];
                    var key = keyData.Slice((kvRow * m + source) * d, d);
                    var value = valueData.Slice((kvRow * m + source) * d, d);
                    if (buffer)
                    {
                        int slot = (int)((position + j) % group);
                        key.CopyTo(keyRows.Slice(slot * d, d));
                        value.CopyTo(valueRows.Slice(slot * d, d));
                        if (slot == group - 1) FoldGroup(o, keyRows, valueRows, o.Global ? kv.Slice(kvRow * d * d, d * d) : default, d);
                    }
                    if (history)
                    {
                        historyRows.Slice(0, (taps - 2) * d).CopyTo(historyRows.Slice(d));   // memmove: shift by one
                        value.CopyTo(historyRows.Slice(0, d));
                    }
                }
            }
        }
    }

    /// <summary>Where (row b, head h, candidate j) starts in a span: b * Batch + h * Head + j * Token.</summary>
    internal readonly record struct RowLayout(int Batch, int Head, int Token)
    {
        public int Offset(int b, int h, int j) => b * Batch + h * Head + j * Token;
    }

    /// <summary>
    /// Verification of m candidates per row from spans laid out by <paramref name="queryLayout"/> and
    /// <paramref name="keyLayout"/> (so rows of a fused q/k/v projection are read in place); the candidates' values
    /// are given as [batch, kv_heads, m, d]. Writes the outputs by <paramref name="outputLayout"/> and the candidates'
    /// k^ as [batch, kv_heads, m, d]; the state is read, never written. With <paramref name="tree"/> the m slots of
    /// each row are its candidate tree (docs/speculative.md, "Tree verification"): slot j sits at the row's position
    /// plus its depth and reads only the buffer and its own ancestors (local and in-block global terms) and, in the
    /// conv window, its ancestors then the committed history; a chain is the tree whose slot j has parent j - 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void VerifyRows<T>(AugmentedLinearAttention mixer, AugmentedLinearState state, int m,
        ReadOnlySpan<T> qData, RowLayout queryLayout, ReadOnlySpan<T> kData, RowLayout keyLayout, ReadOnlySpan<T> vData,
        Span<T> outData, RowLayout outputLayout, Span<T> keyData, TreeLayout? tree = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = mixer.Geometry.HeadDim, group = mixer.Options.GroupSize;
        int half = mixer.Rotary is null ? 0 : mixer.Rotary.RotaryDim / 2;
        // Scratch from the pool (a verification runs every round, per layer): the candidates' rotary angles, conv
        // outputs and q^, their scores against the open group's filled slots and against each other, one row of weights.
        int[] lengths = [m * half, m * half, m * d, m * d, m * (group - 1), m * m, Math.Max(group, m), d];
        var rented = ArrayPool<T>.Shared.Rent(lengths.Sum());
        try
        {
            var scratch = rented.AsSpan();
            var cos = Take(ref scratch, lengths[0]);
            var sin = Take(ref scratch, lengths[1]);
            var convOut = Take(ref scratch, lengths[2]);
            var qHats = Take(ref scratch, lengths[3]);
            var bufferScores = Take(ref scratch, lengths[4]);
            var candidateScores = Take(ref scratch, lengths[5]);
            var weights = Take(ref scratch, lengths[6]);
            var scaled = Take(ref scratch, lengths[7]);
            VerifyRows(mixer, state, m, qData, queryLayout, kData, keyLayout, vData, outData, outputLayout, keyData,
                cos, sin, convOut, qHats, bufferScores, candidateScores, weights, scaled, tree);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    static Span<T> Take<T>(ref Span<T> scratch, int length)
    {
        var taken = scratch.Slice(0, length);
        scratch = scratch.Slice(length);
        return taken;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void VerifyRows<T>(AugmentedLinearAttention mixer, AugmentedLinearState state, int m,
        ReadOnlySpan<T> qData, RowLayout queryLayout, ReadOnlySpan<T> kData, RowLayout keyLayout, ReadOnlySpan<T> vData,
        Span<T> outData, RowLayout outputLayout, Span<T> keyData,
        Span<T> cos, Span<T> sin, Span<T> convOut, Span<T> qHats, Span<T> bufferScores, Span<T> candidateScores, Span<T> weights, Span<T> scaled,
        TreeLayout? tree)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = mixer.Geometry;
        var o = mixer.Options;
        int kvHeads = g.KvHeads, perKv = g.QueriesPerKv, d = g.HeadDim;
        int group = o.GroupSize, taps = o.ConvTaps;
        bool buffer = o.Local || o.Global, conv = o.Conv;
        long batch = state.Batch;
        var view = new StateView<T>(mixer, state);
        Span<T> bufferKeys = view.Keys, bufferValues = view.Values, kv = view.Kv, history = view.History;
        ReadOnlySpan<T> kernel = view.Kernel;
        T alpha = view.Alpha, eps = view.Eps;
        int half = cos.Length / m;
        var rotary = mixer.Rotary;

        for (int b = 0; b < batch; b++)
        {
            long position = state.Positions[b];
            int filled = (int)(position % group);
            long openGroup = position / group;
            // Slot j's offset from the row's position: j along a chain, its depth in a tree.
            int Depth(int j) => tree is null ? j : tree.Depth(b, j);
            bool OnPath(int i, int j) => tree is null || tree.IsAncestorOrSelf(b, i, j);
            if (rotary is not null)
                for (int j = 0; j < m; j++) Angles(rotary, position + Depth(j), cos.Slice(j * half, half), sin.Slice(j * half, half));
            for (int h = 0; h < kvHeads; h++)
            {
                int kvRow = b * kvHeads + h;
                var candidateKeys = keyData.Slice(kvRow * m * d, m * d);
                var candidateValues = vData.Slice(kvRow * m * d, m * d);
                var filledKeys = buffer ? bufferKeys.Slice(kvRow * group * d, filled * d) : default;
                var filledValues = buffer ? bufferValues.Slice(kvRow * group * d, filled * d) : default;
                for (int j = 0; j < m; j++)
                    FeatureMap(kData.Slice(keyLayout.Offset(b, h, j), d), candidateKeys.Slice(j * d, d), cos.Slice(j * half, half), sin.Slice(j * half, half), eps);
                if (conv)
                {
                    var w = kernel.Slice(h * taps, taps);
                    var rows = taps > 1 ? history.Slice(kvRow * (taps - 1) * d, (taps - 1) * d) : default;
                    for (int j = 0; j < m; j++)
                    {
                        var target = convOut.Slice(j * d, d);
                        target.Clear();
                        // Tap t reads v at the slot's position minus t: the slot and its ancestors (j - t along a chain) for
                        // t <= depth, then the history (newest first) in one pass.
                        int fromCandidates = Math.Min(Depth(j) + 1, taps);
                        for (int t = 0, node = j; t < fromCandidates; t++, node = tree is null ? node - 1 : tree.Parent(b, node))
                            Axpy(w[t], candidateValues.Slice(node * d, d), target);
                        if (fromCandidates < taps)
                            FusedMath.AddWeightedRows(w.Slice(fromCandidates), rows.Slice(0, (taps - fromCandidates) * d), target);
                    }
                }
                for (int r = 0; r < perKv; r++)
                {
                    int head = h * perKv + r;
                    if (buffer)
                    {
                        for (int j = 0; j < m; j++)
                            FeatureMap(qData.Slice(queryLayout.Offset(b, head, j), d), qHats.Slice(j * d, d), cos.Slice(j * half, half), sin.Slice(j * half, half), eps);
                        if (filled > 0) FusedMath.Linear<T>(m, qHats, filledKeys, default, bufferScores.Slice(0, m * filled), accumulate: false);
                        FusedMath.Linear<T>(m, qHats, candidateKeys, default, candidateScores, accumulate: false);
                    }
                    for (int j = 0; j < m; j++)
                    {
                        var result = outData.Slice(outputLayout.Offset(b, head, j), d);
                        result.Clear();
                        if (buffer)
                        {
                            // ReLU^2 within the candidate's own group, alpha times the linear score for an earlier group.
                            long candidateGroup = (position + Depth(j)) / group;
                            if (filled > 0)
                            {
                                bool sameGroup = candidateGroup == openGroup;
                                var filledWeights = weights.Slice(0, filled);
                                for (int s = 0; s < filled; s++) filledWeights[s] = Weight(bufferScores[j * filled + s], sameGroup, o, alpha);
                                FusedMath.AddWeightedRows<T>(filledWeights, filledValues, result);
                            }
                            var ownWeights = weights.Slice(0, j + 1);
                            // Ancestors come first in a tree's order, so slots 0..j hold them all; the others weigh zero.
                            for (int i = 0; i <= j; i++)
                                ownWeights[i] = OnPath(i, j) ? Weight(candidateScores[j * m + i], (position + Depth(i)) / group == candidateGroup, o, alpha) : T.Zero;
                            FusedMath.AddWeightedRows<T>(ownWeights, candidateValues, result);
                            if (o.Global) AddGlobal(qHats.Slice(j * d, d), kv.Slice(kvRow * d * d, d * d), alpha, scaled, result);
                        }
                        if (conv) Add(convOut.Slice(j * d, d), result);
                    }
                }
            }
        }
    }

    /// <summary>
    /// A completed group leaves the buffer: S += K^T V over its keys (k^) and values when the global term is on,
    /// then the buffer is emptied. Row i of S gains sum_s K[s, i] V[s], one vector-times-matrix pass per row over
    /// the keys' column i (copied out once, transposed).
    /// </summary>
    static void FoldGroup<T>(AugmentedLinearAttentionOptions o, Span<T> keyRows, Span<T> valueRows, Span<T> sums, int d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (o.Global)
        {
            int group = keyRows.Length / d;
            var columns = ArrayPool<T>.Shared.Rent(d * group);
            for (int s = 0; s < group; s++)
                for (int i = 0; i < d; i++) columns[i * group + s] = keyRows[s * d + i];
            for (int i = 0; i < d; i++) FusedMath.AddWeightedRows<T>(columns.AsSpan(i * group, group), valueRows, sums.Slice(i * d, d));
            ArrayPool<T>.Shared.Return(columns);
        }
        keyRows.Clear();
        valueRows.Clear();
    }

    /// <summary>The weight of an element scored <paramref name="score"/>: ReLU^2 in the query's own group, alpha times the score in an earlier one (zero where that term is off).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Weight<T>(T score, bool sameGroup, AugmentedLinearAttentionOptions o, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
        => sameGroup ? (o.Local ? LocalWeight(score) : T.Zero) : (o.Global ? alpha * score : T.Zero);

    /// <summary>ReLU^2 of a local score.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T LocalWeight<T>(T score) where T : unmanaged, IFloatingPointIeee754<T> => score > T.Zero ? score * score : T.Zero;

    static Span<T> Data<T>(Tensor t) where T : unmanaged => TensorMemory.Span<T>(t);

    /// <summary>The state's and the parameters' memory as spans (empty for the parts the options switch off).</summary>
    readonly ref struct StateView<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public StateView(AugmentedLinearAttention mixer, AugmentedLinearState state)
        {
            var o = mixer.Options;
            bool buffer = o.Local || o.Global;
            Keys = buffer ? Data<T>(state.Keys) : default;
            Values = buffer ? Data<T>(state.Values) : default;
            Kv = o.Global ? Data<T>(state.Kv) : default;
            History = o.Conv && o.ConvTaps > 1 ? Data<T>(state.ConvHistory) : default;
            Kernel = o.Conv ? Data<T>(mixer.ConvWeight!) : default;
            Alpha = o.Global ? Data<T>(mixer.Alpha!)[0] : T.Zero;   // read in place: item() costs a native round trip
            Eps = T.CreateChecked(o.FeatureEps);
        }

        public Span<T> Keys { get; }

        public Span<T> Values { get; }

        public Span<T> Kv { get; }

        public Span<T> History { get; }

        public ReadOnlySpan<T> Kernel { get; }

        public T Alpha { get; }

        public T Eps { get; }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Angles<T>(RotaryEmbedding rotary, long position, Span<T> cos, Span<T> sin) where T : unmanaged, IFloatingPointIeee754<T>
        => rotary.ManagedAngles(position, cos, sin);

    /// <summary>Rotates (HF "rotate half" layout) and L2-normalises one head vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void FeatureMap<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> cos, ReadOnlySpan<T> sin, T eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int half = cos.Length;
        x.CopyTo(y);
        for (int i = 0; i < half; i++)
        {
            T x1 = x[i], x2 = x[i + half];
            y[i] = x1 * cos[i] - x2 * sin[i];
            y[i + half] = x2 * cos[i] + x1 * sin[i];
        }
        T norm = T.Sqrt(Dot(y, y));
        Scale(T.One / T.Max(norm, eps), y, y);
    }

    /// <summary>result += alpha q^ S for S [d, d] row-major: the global term (<paramref name="scaled"/> is scratch of d values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AddGlobal<T>(ReadOnlySpan<T> qHat, ReadOnlySpan<T> sums, T alpha, Span<T> scaled, Span<T> result) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Scale(alpha, qHat, scaled);
        FusedMath.AddWeightedRows<T>(scaled, sums, result);
    }

    // The vector helpers below are inlined into the kernels at the width FusedIsa selected: a head has only a few
    // vectors (d = 64 is 4 of them in float32 on AVX-512), so a call per helper would cost as much as its arithmetic.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T> => SimdKernels.Dot(a, b);

    /// <summary>y += a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Axpy<T>(T a, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => SimdKernels.Axpy(a, x, y);

    /// <summary>y = a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Scale<T>(T a, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => SimdKernels.Scale(a, x, y);

    /// <summary>y += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Add<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => SimdKernels.Add(x, y);
}
