using LinearDsl.Runtime.Mixers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Checkpoints.HuggingFace;

/// <summary>
/// T5's self-attention mixer: softmax(q k^T + b[bucket(j - i)]) v with no 1/sqrt(d) scaling (T5 folds it into its
/// initialisation) and a learned bias per head and relative-position bucket (relative_attention_bias [buckets, heads]),
/// bucketed exactly as transformers' <c>T5Attention._relative_position_bucket</c>. Bidirectional in a T5 encoder (its
/// parallel form reads the whole sequence, so it has no decoding forms), causal in a T5 decoder, where its state is
/// a key/value cache of <c>max_length</c> positions (fixed size, so Verify and Commit come from the step).
/// A custom mixer of the runtime, so config.json records it and <c>Checkpoint</c> loads it back; the Hugging Face
/// importer builds T5 models with it.
/// </summary>
public sealed class T5RelativeAttention : CustomMixer<T5AttentionCache>
{
#pragma warning disable IDE1006 // The field name is the state-dict key (self_attn.mixer.relative_attention_bias).
    readonly Parameter relative_attention_bias;
#pragma warning restore IDE1006

    /// <summary>Creates the mixer with a zero bias table.</summary>
    /// <param name="geometry">Heads and head size (T5 has as many key/value heads as query heads; grouped heads also work).</param>
    /// <param name="buckets">relative_attention_num_buckets (at least 2; even when bidirectional).</param>
    /// <param name="maxDistance">relative_attention_max_distance: distances from here on share the last bucket.</param>
    /// <param name="bidirectional">True in an encoder (every token reads every token), false in a decoder (causal).</param>
    /// <param name="maxLength">Positions of the decoding cache (the context length); unused when bidirectional.</param>
    public T5RelativeAttention(MixerGeometry geometry, int buckets = 32, int maxDistance = 128, bool bidirectional = false, int maxLength = 512)
        : base(nameof(T5RelativeAttention), geometry)
    {
        if (buckets < 2 || bidirectional && buckets % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "T5 needs at least 2 relative-position buckets, and an even number when bidirectional.");
        int exact = (bidirectional ? buckets / 2 : buckets) / 2;
        if (maxDistance <= exact)
            throw new ArgumentOutOfRangeException(nameof(maxDistance), maxDistance, $"max_distance must exceed the {exact} exactly bucketed distances.");
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "max_length must be at least 1.");
        Buckets = buckets;
        MaxDistance = maxDistance;
        Bidirectional = bidirectional;
        MaxLength = maxLength;
        if (bidirectional) NonCausalSettings = "Bidirectional = true";
        relative_attention_bias = new Parameter(zeros(buckets, geometry.Heads));
        RegisterComponents();
    }

    /// <summary>Number of relative-position buckets.</summary>
    public int Buckets { get; }

    /// <summary>Distance from which every relative position shares the last bucket.</summary>
    public int MaxDistance { get; }

    /// <summary>Whether every token reads every token (encoder) rather than only earlier ones (decoder).</summary>
    public bool Bidirectional { get; }

    /// <summary>Positions the decoding cache holds.</summary>
    public int MaxLength { get; }

    /// <summary>The learned bias table [buckets, heads].</summary>
    public Parameter RelativeAttentionBias => relative_attention_bias;

    /// <summary>transformers' relative_position_bucket of key - query (the logarithm in float32, truncated, as there).</summary>
    public static long Bucket(long relative, bool bidirectional, int buckets, int maxDistance)
    {
        long result = 0;
        if (bidirectional)
        {
            buckets /= 2;
            if (relative > 0) result += buckets;
            relative = Math.Abs(relative);
        }
        else
        {
            relative = -Math.Min(relative, 0);
        }
        int exact = buckets / 2;
        if (relative < exact) return result + relative;
        float large = MathF.Log((float)relative / exact) / MathF.Log((float)maxDistance / exact) * (buckets - exact);
        return result + Math.Min(exact + (long)large, buckets - 1);
    }

    /// <inheritdoc />
    protected override Tensor ParallelCore(Tensor q, Tensor k, Tensor v)
    {
        long time = q.shape[2];
        var queries = Enumerable.Range(0, (int)time).Select(i => (long)i).ToArray();
        return Attend(q, k, v, queries, time);
    }

    /// <inheritdoc />
    protected override T5AttentionCache NewState(long batch, ScalarType dtype, Device device) => new(this, batch, dtype, device);

    /// <inheritdoc />
    protected override Tensor StepState(Tensor q, Tensor k, Tensor v, T5AttentionCache state)
    {
        var positions = state.Positions;
        long last = positions.Max();
        if (last >= MaxLength)
            throw new InvalidOperationException($"T5 decoding reached position {last}, but the cache holds max_length = {MaxLength} positions; decode fewer tokens or raise max_length in config.json.");
        var keys = state.Keys.clone();
        var values = state.Values.clone();
        for (int b = 0; b < positions.Count; b++)
        {
            keys[b].narrow(1, positions[b], 1).copy_(k[b]);
            values[b].narrow(1, positions[b], 1).copy_(v[b]);
        }
        state.Keys = keys;
        state.Values = values;
        // Every row reads its cache up to its own position; later slots hold zeros or stale keys and are masked out.
        var rows = new Tensor[positions.Count];
        for (int b = 0; b < rows.Length; b++)
        {
            long p = positions[b];
            rows[b] = Attend(q.narrow(0, b, 1), keys.narrow(0, b, 1).narrow(2, 0, p + 1), values.narrow(0, b, 1).narrow(2, 0, p + 1), [p], p + 1);
        }
        return rows.Length == 1 ? rows[0] : cat(rows, 0);
    }

    /// <summary>Attention of queries at absolute <paramref name="queryPositions"/> over keys 0..keys-1 (causal unless bidirectional).</summary>
    Tensor Attend(Tensor q, Tensor k, Tensor v, long[] queryPositions, long keys)
    {
        var ids = new long[queryPositions.Length * keys];
        var future = new bool[ids.Length];
        for (int i = 0; i < queryPositions.Length; i++)
        {
            for (long j = 0; j < keys; j++)
            {
                ids[i * keys + j] = Bucket(j - queryPositions[i], Bidirectional, Buckets, MaxDistance);
                future[i * keys + j] = !Bidirectional && j > queryPositions[i];
            }
        }
        var table = relative_attention_bias.to(q.dtype).to(q.device);
        var bias = table.index_select(0, tensor(ids, device: q.device)).view(queryPositions.Length, keys, Geometry.Heads).permute(2, 0, 1);
        if (!Bidirectional) bias = bias.masked_fill(tensor(future, device: q.device).view(1, queryPositions.Length, keys), double.NegativeInfinity);
        var spreadK = k.repeat_interleave(Geometry.QueriesPerKv, 1);
        var spreadV = v.repeat_interleave(Geometry.QueriesPerKv, 1);
        var scores = q.matmul(spreadK.transpose(-1, -2)).add(bias.unsqueeze(0));
        return scores.softmax(-1).matmul(spreadV);
    }
}

/// <summary>The key/value cache of a causal <see cref="T5RelativeAttention"/>: [batch, kv_heads, max_length, head_dim] each.</summary>
public sealed class T5AttentionCache : CustomMixerState
{
    /// <summary>An empty cache for <paramref name="batch"/> rows.</summary>
    public T5AttentionCache(T5RelativeAttention owner, long batch, ScalarType dtype, Device device) : base(owner, batch, dtype, device)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var g = owner.Geometry;
        Write("keys", zeros([batch, g.KvHeads, owner.MaxLength, g.HeadDim], dtype, device));
        Write("values", zeros([batch, g.KvHeads, owner.MaxLength, g.HeadDim], dtype, device));
    }

    /// <summary>Cached keys.</summary>
    public Tensor Keys { get => Read("keys"); set => Write("keys", value); }

    /// <summary>Cached values.</summary>
    public Tensor Values { get => Read("values"); set => Write("values", value); }
}
