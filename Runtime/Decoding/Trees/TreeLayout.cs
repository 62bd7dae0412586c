using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// The candidate trees of a batch laid out on a common width N (the widest tree): row b's nodes 0..Count-1 are its
/// tree's, and the slots after them (padding) are treated as lone roots, so every slot has a well-defined output and
/// never enters a real node's computation. Host-side tables the tree forms of the mixers share.
/// </summary>
internal sealed class TreeLayout
{
    readonly int[] _parents;   // [batch * width]
    readonly int[] _depths;    // [batch * width]
    readonly bool[] _ancestor; // [batch * width * width]: (b, node, a) -> a is an ancestor of node or node itself

    TreeLayout(IReadOnlyList<CandidateTree> trees, int width)
    {
        Trees = trees;
        Batch = trees.Count;
        Width = width;
        _parents = new int[Batch * width];
        _depths = new int[Batch * width];
        _ancestor = new bool[Batch * width * width];
        int height = 1;
        for (int b = 0; b < Batch; b++)
        {
            var tree = trees[b];
            for (int i = 0; i < width; i++)
            {
                int parent = i < tree.Count ? tree.Parents[i] : -1;
                _parents[b * width + i] = parent;
                _depths[b * width + i] = parent < 0 ? 0 : _depths[b * width + parent] + 1;
                height = Math.Max(height, _depths[b * width + i] + 1);
                int row = (b * width + i) * width;
                if (parent >= 0) Array.Copy(_ancestor, (b * width + parent) * width, _ancestor, row, width);
                _ancestor[row + i] = true;
            }
        }
        Height = height;
    }

    /// <summary>Checks the trees against a batch and a node count and lays them out; one clear message per mistake.</summary>
    public static TreeLayout Create(IReadOnlyList<CandidateTree> trees, long batch, long width, string form)
    {
        if (trees is null) throw new ArgumentNullException(nameof(trees), $"{form}: pass one candidate tree per row.");
        if (trees.Count != batch)
            throw new ArgumentException($"{form}: got {trees.Count} candidate trees for a batch of {batch} rows; pass one tree per row.", nameof(trees));
        for (int b = 0; b < trees.Count; b++)
        {
            if (trees[b] is null) throw new ArgumentException($"{form}: the candidate tree of row {b} is null.", nameof(trees));
            if (trees[b].Count > width)
                throw new ArgumentException($"{form}: the tree of row {b} has {trees[b].Count} nodes but the inputs hold {width} per row; pad every row to the widest tree.", nameof(trees));
        }
        return new TreeLayout(trees, checked((int)width));
    }

    public IReadOnlyList<CandidateTree> Trees { get; }

    public int Batch { get; }

    /// <summary>Slots per row (N): the inputs' node dimension.</summary>
    public int Width { get; }

    /// <summary>Nodes on the longest root-to-slot path of any row (at least 1): the positions the trees span.</summary>
    public int Height { get; }

    public int Parent(int row, int node) => _parents[row * Width + node];

    public int Depth(int row, int node) => _depths[row * Width + node];

    public bool IsAncestorOrSelf(int row, int ancestor, int node) => _ancestor[(row * Width + node) * Width + ancestor];

    /// <summary>The ancestor of <paramref name="node"/> (or the node itself) at <paramref name="depth"/> &lt;= its own depth.</summary>
    public int AncestorAt(int row, int node, int depth)
    {
        for (int d = Depth(row, node); d > depth; d--) node = Parent(row, node);
        return node;
    }

    /// <summary>Absolute position of each slot, row after row: the row's committed position plus the slot's depth.</summary>
    public long[] Positions(IReadOnlyList<long> committed)
    {
        var positions = new long[Batch * Width];
        for (int b = 0; b < Batch; b++)
            for (int i = 0; i < Width; i++) positions[b * Width + i] = committed[b] + Depth(b, i);
        return positions;
    }

    /// <summary>[batch, 1, 1, N, N] bool: true where slot a is NOT on slot i's root-to-slot path (so must be masked).</summary>
    public Tensor NotAncestor(Device device)
    {
        var mask = new bool[_ancestor.Length];
        for (int i = 0; i < mask.Length; i++) mask[i] = !_ancestor[i];
        return tensor(mask, [Batch, 1, 1, Width, Width], device: device);
    }

    /// <summary>Checks one root-to-node path per row; throws one clear message for the first bad one.</summary>
    public void CheckPaths(IReadOnlyList<IReadOnlyList<int>> paths, string form)
    {
        if (paths is null) throw new ArgumentNullException(nameof(paths), $"{form}: pass one accepted path per row (an empty list accepts nothing).");
        if (paths.Count != Batch)
            throw new ArgumentException($"{form}: got {paths.Count} paths for a batch of {Batch} rows; pass one root-to-node path per row (empty to accept nothing).", nameof(paths));
        for (int b = 0; b < Batch; b++)
        {
            if (paths[b] is null) throw new ArgumentException($"{form}: the path of row {b} is null; pass an empty list to accept nothing.", nameof(paths));
            if (Trees[b].PathError(paths[b]) is { } error)
                throw new ArgumentException($"{form}: row {b}'s path [{string.Join(", ", paths[b])}] is not a root-to-node path of its candidate tree: {error}.", nameof(paths));
        }
    }

    /// <summary>
    /// [batch, length] slot indices of each row's path, padded with its last node (or 0) up to the longest: a gather
    /// along the node axis turns per-slot tensors into the chain that commit expects.
    /// </summary>
    public long[] PathIndex(IReadOnlyList<IReadOnlyList<int>> paths, int length)
    {
        var index = new long[Batch * length];
        for (int b = 0; b < Batch; b++)
        {
            var path = paths[b];
            for (int t = 0; t < length; t++) index[b * length + t] = path.Count == 0 ? 0 : path[Math.Min(t, path.Count - 1)];
        }
        return index;
    }

    /// <summary>
    /// A cover of every slot by root-to-leaf chains (one per leaf): the chains, each as (row, slots root..leaf), and for
    /// every slot the chain that holds it, so that the generic tree verification can run each chain as a row of Verify.
    /// </summary>
    public (IReadOnlyList<(int Row, int[] Slots)> Chains, int[] ChainOf) ChainCover()
    {
        var hasChild = new bool[Batch * Width];
        for (int b = 0; b < Batch; b++)
            for (int i = 0; i < Width; i++)
                if (Parent(b, i) >= 0) hasChild[b * Width + Parent(b, i)] = true;
        var chains = new List<(int, int[])>();
        var chainOf = new int[Batch * Width];
        Array.Fill(chainOf, -1);
        for (int b = 0; b < Batch; b++)
        {
            for (int leaf = 0; leaf < Width; leaf++)
            {
                if (hasChild[b * Width + leaf]) continue;
                var slots = new int[Depth(b, leaf) + 1];
                for (int t = slots.Length - 1, n = leaf; t >= 0; t--, n = Parent(b, n)) slots[t] = n;
                foreach (int n in slots)
                    if (chainOf[b * Width + n] < 0) chainOf[b * Width + n] = chains.Count;
                chains.Add((b, slots));
            }
        }
        return (chains, chainOf);
    }
}
