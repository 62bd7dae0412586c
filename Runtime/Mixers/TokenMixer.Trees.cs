using LinearDsl.Runtime.Decoding;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Tree verification (docs/speculative.md, "Tree verification"): each row's candidates form a tree, and every node's
/// output equals what chain <see cref="Verify"/> (and so <see cref="Step"/>) gives for its own root-to-node path.
/// Softmax, linear and augmented linear attention compute it natively over the whole tree; every other mixer (custom
/// ones included) gets the generic exact form: each root-to-leaf chain is verified as a row of its own, over a copy
/// of its row's state.
/// </summary>
public abstract partial class TokenMixer
{
    /// <summary>
    /// Outputs for a tree of candidates per row ([batch, heads, nodes, head_dim], rows padded to the widest tree;
    /// <paramref name="trees"/> has one tree per row). Node i of row b sits at the row's position plus its depth, and
    /// its output equals chain <see cref="Verify"/> of its root-to-node path. Padding slots after a row's tree act as
    /// lone roots. Reads the state and never writes it; pass the record to <see cref="CommitPath"/>.
    /// </summary>
    public VerifyResult VerifyTree(Tensor q, Tensor k, Tensor v, MixerState state, IReadOnlyList<CandidateTree> trees)
    {
        CheckState(state);
        long width = CheckInputs(q, k, v, state, nameof(VerifyTree));
        return VerifyLaidOutTree(q, k, v, state, TreeLayout.Create(trees, state.Batch, width, nameof(VerifyTree)));
    }

    /// <summary>Accepts one root-to-node path per row of a <see cref="VerifyTree"/> record (an empty path accepts nothing): the state becomes the one that committing the path as a chain leaves.</summary>
    public void CommitPath(MixerState state, PendingCommit pending, IReadOnlyList<IReadOnlyList<int>> paths)
    {
        var (tree, lengths) = CheckCommitPath(state, pending, paths);
        using var scope = NewDisposeScope();
        CommitPathCore(state, tree, paths, lengths);
        for (int b = 0; b < lengths.Length; b++) state.MutablePositions[b] += lengths[b];
        state.Touch();
    }

    /// <summary>True when the mixer computes trees itself (<see cref="VerifyTreeCore"/>); otherwise the generic chain cover runs.</summary>
    private protected virtual bool NativeTrees => false;

    /// <summary>
    /// Native tree verification on inputs rotated by each slot's position; must not write the state. The record keeps
    /// per-slot tensors that <see cref="CommitPathCore"/> gathers along the accepted path into the mixer's chain record.
    /// </summary>
    private protected virtual (Tensor Output, NodeTensorsPending Pending) VerifyTreeCore(Tensor q, Tensor k, Tensor v, MixerState state, TreeLayout layout)
        => throw new NotSupportedException($"{GetType().Name} has no native tree verification.");

    /// <summary>The checked form, shared with the layers (the model lays the trees out once).</summary>
    internal VerifyResult VerifyLaidOutTree(Tensor q, Tensor k, Tensor v, MixerState state, TreeLayout layout)
    {
        CheckState(state);
        long width = CheckInputs(q, k, v, state, nameof(VerifyTree));
        if (layout.Batch != state.Batch || layout.Width != width)
            throw new ArgumentException($"{nameof(VerifyTree)}: the trees are laid out for batch {layout.Batch} and {layout.Width} nodes, the inputs have batch {state.Batch} and {width}.");
        using var scope = NewDisposeScope();
        if (!NativeTrees) return ChainCoverVerify(q, k, v, state, layout);
        var (rq, rk) = RotateTree(q, k, state, layout);
        var (output, pending) = VerifyTreeCore(rq, rk, v, state, layout);
        return new VerifyResult(output.MoveToOuterDisposeScope(), pending);
    }

    /// <summary>Checks a path commit before anything changes; returns the record and each row's path length.</summary>
    internal (TreePending Tree, long[] Lengths) CheckCommitPath(MixerState state, PendingCommit pending, IReadOnlyList<IReadOnlyList<int>> paths)
    {
        CheckState(state);
        ArgumentNullException.ThrowIfNull(pending);
        if (pending is not TreePending tree)
            throw new ArgumentException("This pending record comes from a chain Verify; commit it with Commit, or verify a tree with VerifyTree.", nameof(pending));
        if (!ReferenceEquals(pending.State, state))
            throw new ArgumentException("The pending record was verified against a different state; commit it to the state passed to VerifyTree.", nameof(pending));
        if (pending.Version != state.Version)
            throw new InvalidOperationException($"The state has changed since this verification (version {pending.Version}, now {state.Version}); verify again before committing.");
        tree.Layout.CheckPaths(paths, nameof(CommitPath));
        return (tree, paths.Select(p => (long)p.Count).ToArray());
    }

    void CommitPathCore(MixerState state, TreePending pending, IReadOnlyList<IReadOnlyList<int>> paths, long[] lengths)
    {
        int longest = (int)lengths.Max();
        if (longest == 0) return;
        if (pending is ChainCoverPending cover)
        {
            cover.CommitInto(state, paths);
            return;
        }
        var native = (NodeTensorsPending)pending;
        if (TryCommitPathRows(state, native, paths, lengths)) return;
        // The accepted path of each row, gathered from the per-slot tensors, is the chain that Commit already handles.
        var index = tensor(pending.Layout.PathIndex(paths, longest), [state.Batch, 1, longest, 1], device: state.Device);
        var gathered = native.Nodes.Select(t => t.gather(2, index.expand(t.shape[0], t.shape[1], longest, t.shape[3]))).ToArray();
        using var chain = native.ToChain(state, longest, gathered);
        CommitCore(state, chain, lengths);
    }

    /// <summary>
    /// Commits the accepted paths straight from a native record's per-slot tensors, as the chain commit would write
    /// them, when the mixer has a managed kernel for it (the caller advances the positions); false to take the
    /// gather-then-chain-commit route.
    /// </summary>
    private protected virtual bool TryCommitPathRows(MixerState state, NodeTensorsPending pending, IReadOnlyList<IReadOnlyList<int>> paths, long[] lengths) => false;

    /// <summary>q and k rotated at each slot's absolute position (the row's position plus the slot's depth).</summary>
    (Tensor Q, Tensor K) RotateTree(Tensor q, Tensor k, MixerState state, TreeLayout layout)
    {
        if (Rotary is null) return (q, k);
        var positions = layout.Positions(state.Positions);
        var (cos, sin) = Rotary.Angles([0], positions.Max() + 1, q.dtype, q.device);
        var index = tensor(positions, device: q.device);
        long rotaryDim = cos.shape[1];
        var c = cos.index_select(0, index).view(layout.Batch, 1, layout.Width, rotaryDim);
        var s = sin.index_select(0, index).view(layout.Batch, 1, layout.Width, rotaryDim);
        return (Rotary.Rotate(q, c, s), Rotary.Rotate(k, c, s));
    }

    /// <summary>
    /// The generic exact form: every root-to-leaf chain becomes a row of a copy of its row's state and is verified by
    /// chain <see cref="Verify"/> (shorter chains repeat their last node; causality keeps those extra slots out of the
    /// real ones). Each slot's output is read from a chain through it.
    /// </summary>
    VerifyResult ChainCoverVerify(Tensor q, Tensor k, Tensor v, MixerState state, TreeLayout layout)
    {
        var (chains, chainOf) = layout.ChainCover();
        int length = layout.Height, batch = layout.Batch, width = layout.Width;
        var source = new long[chains.Count * length];
        for (int c = 0; c < chains.Count; c++)
        {
            var (row, slots) = chains[c];
            for (int t = 0; t < length; t++) source[c * length + t] = row * width + slots[Math.Min(t, slots.Length - 1)];
        }
        var sourceIndex = tensor(source, device: q.device);
        Tensor ToChains(Tensor x) => x.transpose(1, 2).reshape(batch * width, x.shape[1], x.shape[3])
            .index_select(0, sourceIndex).view(chains.Count, length, x.shape[1], x.shape[3]).transpose(1, 2);
        var copy = state.CopyRows(chains.Select(c => c.Row).ToArray());
        try
        {
            var result = Verify(ToChains(q), ToChains(k), ToChains(v), copy);
            var back = new long[batch * width];
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < width; i++) back[b * width + i] = chainOf[b * width + i] * length + layout.Depth(b, i);
            var output = result.Output;
            var gathered = output.transpose(1, 2).reshape(chains.Count * length, output.shape[1], output.shape[3])
                .index_select(0, tensor(back, device: q.device)).view(batch, width, output.shape[1], output.shape[3]).transpose(1, 2);
            var pending = new ChainCoverPending(state, layout, copy, result.Pending, chains, chainOf);
            return new VerifyResult(gathered.contiguous().MoveToOuterDisposeScope(), pending);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }
}

/// <summary>A record of <see cref="TokenMixer.VerifyTree"/>: the layout of the trees it verified, for CommitPath.</summary>
internal abstract class TreePending : PendingCommit
{
    protected TreePending(MixerState state, TreeLayout layout) : base(state, layout.Width) => Layout = layout;

    public TreeLayout Layout { get; }
}

/// <summary>
/// A native tree record: per-slot tensors [batch, heads, N, d] and how to make the mixer's chain record from their
/// gathered paths [batch, heads, L, d], so that committing a path is committing a chain.
/// </summary>
internal sealed class NodeTensorsPending : TreePending
{
    readonly Func<MixerState, long, Tensor[], PendingCommit> _toChain;

    public NodeTensorsPending(MixerState state, TreeLayout layout, Tensor[] nodes, Func<MixerState, long, Tensor[], PendingCommit> toChain)
        : base(state, layout)
    {
        Nodes = nodes.Select(Keep).ToArray();
        _toChain = toChain;
    }

    public IReadOnlyList<Tensor> Nodes { get; }

    public PendingCommit ToChain(MixerState state, long length, Tensor[] gathered) => _toChain(state, length, gathered);
}

/// <summary>The generic tree record: the copied state with one row per chain and the chain verification's record.</summary>
internal sealed class ChainCoverPending : TreePending
{
    readonly MixerState _copy;
    readonly PendingCommit _chains;
    readonly IReadOnlyList<(int Row, int[] Slots)> _cover;
    readonly int[] _chainOf;

    public ChainCoverPending(MixerState state, TreeLayout layout, MixerState copy, PendingCommit chains, IReadOnlyList<(int Row, int[] Slots)> cover, int[] chainOf)
        : base(state, layout)
    {
        _copy = copy;
        _chains = chains;
        _cover = cover;
        _chainOf = chainOf;
    }

    /// <summary>Commits each row's path on the chain that holds it, then takes that chain's row into <paramref name="state"/>.</summary>
    public void CommitInto(MixerState state, IReadOnlyList<IReadOnlyList<int>> paths)
    {
        var accepted = new long[_cover.Count];
        var chosen = new int[Layout.Batch];
        for (int b = 0; b < Layout.Batch; b++)
        {
            var path = paths[b];
            int chain = path.Count == 0 ? _cover.Select((c, i) => (c.Row, i)).First(c => c.Row == b).i : _chainOf[b * Layout.Width + path[^1]];
            chosen[b] = chain;
            accepted[chain] = path.Count;
        }
        _copy.Owner.Commit(_copy, _chains, accepted);
        state.TakeRowsFrom(_copy, chosen);
    }

    private protected override void Release()
    {
        _chains.Dispose();
        _copy.Dispose();
    }
}
