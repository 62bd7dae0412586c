namespace LinearDsl.Runtime.Decoding;

/// <summary>
/// A tree of candidate tokens that follows one row's committed position (tree speculation, as in Medusa or SpecInfer).
/// Nodes are 0..Count-1 in topological order: every node's parent comes before it, and parent -1 makes a node a root
/// (a candidate for the very next position; several roots are allowed). A node at depth d sits at the row's position
/// plus d, and tree verification gives it exactly what chain verification of its own root-to-node path would.
/// </summary>
public sealed class CandidateTree
{
    readonly int[] _parents;
    readonly int[] _depths;

    /// <summary>Creates a tree from the parent index of each node (-1 for a root).</summary>
    /// <exception cref="ArgumentException">A parent is not -1 and not an earlier node.</exception>
    public CandidateTree(IReadOnlyList<int> parents)
    {
        ArgumentNullException.ThrowIfNull(parents);
        _parents = parents.ToArray();
        _depths = new int[_parents.Length];
        for (int i = 0; i < _parents.Length; i++)
        {
            int parent = _parents[i];
            if (parent < -1 || parent >= i)
                throw new ArgumentException($"Candidate tree node {i} has parent {parent}; a parent must be -1 (a root) or an earlier node (0..{i - 1}), so list nodes in topological order.", nameof(parents));
            _depths[i] = parent < 0 ? 0 : _depths[parent] + 1;
        }
        Height = _depths.Length == 0 ? 0 : _depths.Max() + 1;
    }

    /// <summary>A chain of <paramref name="length"/> nodes, each the child of the one before: what chain Verify checks.</summary>
    public static CandidateTree Chain(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new CandidateTree(Enumerable.Range(-1, length).ToArray());
    }

    /// <summary>Parent index of each node, -1 for a root.</summary>
    public IReadOnlyList<int> Parents => _parents;

    /// <summary>Number of nodes.</summary>
    public int Count => _parents.Length;

    /// <summary>Nodes on the longest root-to-leaf path (0 for an empty tree): the positions the tree spans.</summary>
    public int Height { get; }

    /// <summary>Depth of <paramref name="node"/>: 0 for a root, parent's depth + 1 otherwise.</summary>
    public int Depth(int node) => _depths[CheckNode(node)];

    /// <summary>The nodes from the root down to <paramref name="node"/>, both included.</summary>
    public IReadOnlyList<int> PathTo(int node)
    {
        var path = new int[Depth(node) + 1];
        for (int i = path.Length - 1, n = node; i >= 0; i--, n = _parents[n]) path[i] = n;
        return path;
    }

    /// <summary>Whether <paramref name="ancestor"/> lies on the root-to-node path of <paramref name="node"/> (a node is its own ancestor).</summary>
    public bool IsAncestorOrSelf(int ancestor, int node)
    {
        CheckNode(ancestor);
        for (int n = CheckNode(node); n >= ancestor; n = _parents[n])
        {
            if (n == ancestor) return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="path"/> is a root-to-node path of this tree (an empty path is one: nothing accepted).</summary>
    public bool IsPath(IReadOnlyList<int> path) => PathError(path) is null;

    /// <summary>Why <paramref name="path"/> is not a root-to-node path of this tree, or null when it is one.</summary>
    internal string? PathError(IReadOnlyList<int> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        for (int i = 0; i < path.Count; i++)
        {
            int node = path[i];
            if (node < 0 || node >= Count) return $"node {node} is not in the tree (nodes 0..{Count - 1})";
            int expected = i == 0 ? -1 : path[i - 1];
            if (_parents[node] != expected)
                return i == 0 ? $"it starts at node {node}, which is not a root (its parent is {_parents[node]})" : $"node {node}'s parent is {_parents[node]}, not {expected}";
        }
        return null;
    }

    int CheckNode(int node)
    {
        if (node < 0 || node >= _parents.Length)
            throw new ArgumentOutOfRangeException(nameof(node), node, $"The tree has nodes 0..{_parents.Length - 1}.");
        return node;
    }
}
