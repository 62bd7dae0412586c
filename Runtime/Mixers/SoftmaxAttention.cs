using LinearDsl.Runtime.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Causal softmax attention, softmax(q k^T / sqrt(d)) v, with a KV cache: the baseline, and the mixer of softmax
/// layers in hybrid models. The cache grows with the context (O(N) state, O(N) work per token).
/// </summary>
public sealed partial class SoftmaxAttention : TokenMixer
{
    readonly double _scale;

    /// <summary>Creates the mixer. It has no parameters of its own.</summary>
    /// <param name="geometry">Head layout (grouped-query attention when KvHeads &lt; Heads).</param>
    /// <param name="rotary">Rotary embedding by absolute position, or null.</param>
    /// <param name="initialCapacity">Tokens the cache reserves at first; it grows by half when full.</param>
    /// <param name="bidirectional">
    /// Attend to every token, later ones included (an encoder's attention, information leakage in a language model).
    /// Default false. A bidirectional mixer has only its parallel form.
    /// </param>
    public SoftmaxAttention(MixerGeometry geometry, RotaryEmbedding? rotary = null, long initialCapacity = 256, bool bidirectional = false)
        : base(nameof(SoftmaxAttention), geometry, rotary)
    {
        if (initialCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(initialCapacity), initialCapacity, "The cache must reserve at least one token.");
        InitialCapacity = initialCapacity;
        Bidirectional = bidirectional;
        if (bidirectional) NonCausalSettings = "Bidirectional = true";
        _scale = 1.0 / Math.Sqrt(geometry.HeadDim);
        RegisterComponents();
    }

    /// <summary>Tokens the cache reserves when created.</summary>
    public long InitialCapacity { get; }

    /// <summary>True when every token attends to every other (no causal mask; parallel form only).</summary>
    public bool Bidirectional { get; }

    /// <inheritdoc />
    protected override long PrefillChunk => 256;

    /// <inheritdoc />
    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
        => nn.functional.scaled_dot_product_attention(q, ExpandKv(k), ExpandKv(v), is_casual: !Bidirectional);

    /// <inheritdoc />
    protected override MixerState CreateStateCore(long batch, ScalarType dtype, Device device)
    {
        var state = new KvCacheState(this, batch, dtype, device);
        state.Keys = zeros(batch, Geometry.KvHeads, InitialCapacity, Geometry.HeadDim, dtype, device);
        state.Values = zeros(batch, Geometry.KvHeads, InitialCapacity, Geometry.HeadDim, dtype, device);
        return state;
    }

    /// <inheritdoc />
    /// <remarks>Only a fresh state takes the parallel path; a continued prompt is verified against the cache.</remarks>
    protected override long FastPrefillLead(MixerState state) => state.IsFresh ? 0 : -1;

    /// <inheritdoc />
    protected override Tensor FastPrefillCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<KvCacheState>(mixerState);
        long time = q.shape[2];
        Reserve(state, time);
        state.Keys.narrow(2, 0, time).copy_(k);
        state.Values.narrow(2, 0, time).copy_(v);
        return ParallelCore(q, k, v);
    }

    /// <inheritdoc />
    protected override Tensor StepCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<KvCacheState>(mixerState);
        long batch = q.shape[0], dim = q.shape[3];
        long length = state.Positions.Max() + 1;
        Reserve(state, length);
        var slot = tensor(state.Positions.ToArray(), [batch, 1, 1, 1], device: q.device).expand(batch, Geometry.KvHeads, 1, dim);
        state.Keys.scatter_(2, slot, k);
        state.Values.scatter_(2, slot, v);
        var qg = GroupQueries(q);
        var scores = qg.matmul(state.Keys.narrow(2, 0, length).unsqueeze(2).transpose(-1, -2)).mul(_scale)
            .masked_fill(CacheExcluded(state, length, inclusive: true, q.device), double.NegativeInfinity);
        var output = scores.softmax(-1).matmul(state.Values.narrow(2, 0, length).unsqueeze(2));
        return UngroupQueries(output);
    }

    /// <inheritdoc />
    protected override (Tensor Output, PendingCommit Pending) VerifyCore(Tensor q, Tensor k, Tensor v, MixerState mixerState)
    {
        var state = StateOf<KvCacheState>(mixerState);
        long m = q.shape[2];
        var pending = new KvCachePending(state, m, k, v);
        var qg = GroupQueries(q);
        var future = ones(m, m, ScalarType.Bool, q.device).triu(1);
        var own = qg.matmul(k.unsqueeze(2).transpose(-1, -2)).mul(_scale).masked_fill(future, double.NegativeInfinity);
        long cached = state.Positions.Max();
        Tensor output;
        if (cached == 0)
        {
            output = own.softmax(-1).matmul(v.unsqueeze(2));
        }
        else
        {
            // Scores against the cache and among the candidates are joined before one softmax; the cache is not copied.
            var past = qg.matmul(state.Keys.narrow(2, 0, cached).unsqueeze(2).transpose(-1, -2)).mul(_scale)
                .masked_fill(CacheExcluded(state, cached, inclusive: false, q.device), double.NegativeInfinity);
            var weights = cat(new[] { past, own }, -1).softmax(-1);
            output = weights.narrow(-1, 0, cached).matmul(state.Values.narrow(2, 0, cached).unsqueeze(2))
                .add(weights.narrow(-1, cached, m).matmul(v.unsqueeze(2)));
        }
        return (UngroupQueries(output), pending);
    }

    /// <inheritdoc />
    protected override void CommitCore(MixerState mixerState, PendingCommit pendingCommit, ReadOnlySpan<long> accepted)
    {
        var state = StateOf<KvCacheState>(mixerState);
        var pending = PendingOf<KvCachePending>(pendingCommit);
        long batch = state.Batch, m = pending.Candidates, dim = Geometry.HeadDim;
        Reserve(state, state.Positions.Max() + m);
        // Every candidate slot is written in one scatter; rejected ones as zeros, so that slots past a row's
        // position are zero exactly as Step leaves them.
        var index = new long[batch * m];
        var rejected = new bool[batch * m];
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < m; j++)
            {
                index[b * m + j] = state.Positions[b] + j;
                rejected[b * m + j] = j >= accepted[b];
            }
        }
        var slots = tensor(index, [batch, 1, m, 1], device: state.Device).expand(batch, Geometry.KvHeads, m, dim);
        var mask = tensor(rejected, [batch, 1, m, 1], device: state.Device);
        state.Keys.scatter_(2, slots, pending.Keys.masked_fill(mask, 0));
        state.Values.scatter_(2, slots, pending.Values.masked_fill(mask, 0));
    }

    /// <summary>
    /// One step from the rows of a fused q/k/v projection ([batch, q + 2 kv], row after row, not yet rotated)
    /// straight into <paramref name="output"/> ([batch, heads * d]) by the managed kernel (<see cref="SoftmaxDecodeKernel"/>),
    /// the new keys and values written into the cache's own memory; advances the positions. False, with nothing
    /// written, when the kernel does not apply to this state (then the caller takes the tensor path).
    /// </summary>
    internal bool TryStepRows<T>(MixerState mixerState, ReadOnlySpan<T> qkv, Span<T> output) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        CheckState(mixerState);
        var state = StateOf<KvCacheState>(mixerState);
        if (!SoftmaxDecodeKernel.Applies(state)) return false;
        long longest = 0;
        foreach (long p in state.MutablePositions) longest = Math.Max(longest, p);
        if (longest + 1 > state.Capacity)
        {
            using var scope = NewDisposeScope();
            Reserve(state, longest + 1);
        }
        SoftmaxDecodeKernel.StepRows(this, state, qkv, output);
        foreach (ref long p in state.MutablePositions) p += 1;
        state.Touch();
        return true;
    }

    /// <summary>
    /// Verification of m candidates per row from the rows of a fused q/k/v projection ([batch, m, q + 2 kv], not
    /// yet rotated) straight into <paramref name="output"/> ([batch, m, heads * d]); the state is read, never
    /// written. Returns the record for Commit, or null, with nothing written, when the managed kernel does not apply.
    /// </summary>
    /// <remarks>With <paramref name="tree"/> the m rows are each row's candidate tree and the record is the one CommitPath takes.</remarks>
    internal PendingCommit? TryVerifyRows<T>(MixerState mixerState, int m, ReadOnlySpan<T> qkv, Span<T> output, Decoding.TreeLayout? tree = null) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        CheckState(mixerState);
        var state = StateOf<KvCacheState>(mixerState);
        if (!SoftmaxDecodeKernel.Applies(state)) return null;
        var g = Geometry;
        var keys = empty([state.Batch, g.KvHeads, m, g.HeadDim], state.Dtype, state.Device);
        var values = empty([state.Batch, g.KvHeads, m, g.HeadDim], state.Dtype, state.Device);
        try
        {
            SoftmaxDecodeKernel.VerifyRows(this, state, m, qkv, output, TensorMemory.Span<T>(keys), TensorMemory.Span<T>(values), tree);
            return tree is null ? new KvCachePending(state, m, keys, values) : TreeRecord(state, tree, keys, values);
        }
        finally
        {
            // The pending record keeps its own references.
            keys.Dispose();
            values.Dispose();
        }
    }

    Tensor ExpandKv(Tensor x)
    {
        if (Geometry.QueriesPerKv == 1) return x;
        return x.unsqueeze(2).expand(x.shape[0], Geometry.KvHeads, Geometry.QueriesPerKv, x.shape[2], x.shape[3])
            .reshape(x.shape[0], Geometry.Heads, x.shape[2], x.shape[3]);
    }

    /// <summary>[batch, 1, 1, 1, length]: cache slots a row must not attend to (past its position).</summary>
    static Tensor CacheExcluded(KvCacheState state, long length, bool inclusive, Device device)
    {
        var mask = new bool[state.Batch * length];
        for (int b = 0; b < state.Batch; b++)
        {
            long visible = state.Positions[b] + (inclusive ? 1 : 0);
            for (long i = visible; i < length; i++) mask[b * length + i] = true;
        }
        return tensor(mask, [state.Batch, 1, 1, 1, length], device: device);
    }

    static void Reserve(KvCacheState state, long tokens)
    {
        long capacity = state.Keys.shape[2];
        if (tokens <= capacity) return;
        long grown = Math.Max(tokens, capacity + capacity / 2);
        foreach (var name in new[] { "keys", "values" })
        {
            var old = state.Tensors[name];
            var bigger = zeros(old.shape[0], old.shape[1], grown, old.shape[3], old.dtype, old.device);
            bigger.narrow(2, 0, capacity).copy_(old);
            state.Replace(name, bigger);
        }
    }
}
