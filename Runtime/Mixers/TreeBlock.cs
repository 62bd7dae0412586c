using LinearDsl.Runtime.Decoding;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The tree counterpart of <see cref="CandidateBlock"/>: the block [group buffer (G slots) || N tree slots] of the
/// grouped mixer. Slot e &lt; G is buffer slot e at absolute position group_start + e (valid below position mod G);
/// slot G + a is tree node a at the row's position plus its depth. A node sees only the buffer and its own
/// ancestors, never its siblings or cousins, and group boundaries follow each node's own absolute position.
/// </summary>
internal sealed class TreeBlock
{
    readonly IReadOnlyList<long> _positions;
    readonly long _group;
    readonly TreeLayout _layout;

    public TreeBlock(IReadOnlyList<long> positions, long group, TreeLayout layout)
    {
        _positions = positions;
        _group = group;
        _layout = layout;
    }

    int Batch => _layout.Batch;

    int Width => (int)_group + _layout.Width;

    long NodePosition(int row, int node) => _positions[row] + _layout.Depth(row, node);

    /// <summary>Whether some node of some row falls in a later group than its row's buffer (only then the block feeds the global term).</summary>
    public bool CrossesGroup
    {
        get
        {
            for (int b = 0; b < Batch; b++)
                if (_positions[b] % _group + _layout.Height > _group) return true;
            return false;
        }
    }

    /// <summary>
    /// Whether element e may enter node i's term: a valid buffer slot or an ancestor-or-self of i, whose group is the
    /// node's own (<paramref name="local"/>) or an earlier, completed one (the global term).
    /// </summary>
    bool Enters(int row, int node, int e, bool local)
    {
        long p = _positions[row], nodeGroup = NodePosition(row, node) / _group, elementPosition;
        if (e < _group)
        {
            if (e >= p % _group) return false;
            elementPosition = p - p % _group + e;
        }
        else
        {
            int other = e - (int)_group;
            if (!_layout.IsAncestorOrSelf(row, other, node)) return false;
            elementPosition = NodePosition(row, other);
        }
        long elementGroup = elementPosition / _group;
        return local ? elementGroup == nodeGroup : elementGroup < nodeGroup;
    }

    /// <summary>[batch, 1, 1, N, G + N]: true where element e must not enter node i's local term.</summary>
    public Tensor LocalExcluded(Device device) => Mask(device, local: true);

    /// <summary>[batch, 1, 1, N, G + N]: true where element e must not enter node i's in-block global term.</summary>
    public Tensor GlobalExcluded(Device device) => Mask(device, local: false);

    Tensor Mask(Device device, bool local)
    {
        int n = _layout.Width;
        var mask = new bool[Batch * n * Width];
        for (int b = 0; b < Batch; b++)
            for (int i = 0; i < n; i++)
                for (int e = 0; e < Width; e++)
                    mask[(b * n + i) * Width + e] = !Enters(b, i, e, local);
        return tensor(mask, [Batch, 1, 1, n, Width], device: device);
    }

    /// <summary>
    /// [batch, 1, N * K, 1] rows of [history (K-1, newest first) || N node values] that node i's tap j reads: v at its
    /// own position minus j, which is the ancestor at depth(i) - j while j &lt;= depth(i), and committed history before.
    /// </summary>
    public static Tensor ConvSources(TreeLayout layout, long taps, Device device)
    {
        int n = layout.Width;
        long history = taps - 1;
        var index = new long[layout.Batch * n * taps];
        for (int b = 0; b < layout.Batch; b++)
        {
            for (int i = 0; i < n; i++)
            {
                int depth = layout.Depth(b, i);
                for (int j = 0; j < taps; j++)
                    index[(b * n + i) * taps + j] = j <= depth ? history + layout.AncestorAt(b, i, depth - j) : j - depth - 1;
            }
        }
        return tensor(index, [layout.Batch, 1, n * taps, 1], device: device);
    }
}
