using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// Host-side bookkeeping for the block [group buffer (G slots) || m candidates] that Verify and Commit of the
/// grouped mixer work on. Element e &lt; G is buffer slot e at absolute position group_start + e (valid below the
/// row's position mod G); element G + j is candidate j at position p + j. Group boundaries follow absolute
/// positions, so the masks are exact however many boundaries the candidates cross and wherever each row sits.
/// </summary>
internal sealed class CandidateBlock
{
    readonly IReadOnlyList<long> _positions;
    readonly long _group;
    readonly long _m;

    public CandidateBlock(IReadOnlyList<long> positions, long group, long candidates)
    {
        _positions = positions;
        _group = group;
        _m = candidates;
    }

    long Batch => _positions.Count;

    long Width => _group + _m;

    /// <summary>Whether some candidate of some row falls in a later group than the row's buffer.</summary>
    public bool CrossesGroup => _positions.Any(p => p % _group + _m > _group);

    long Position(int row, long e)
    {
        long p = _positions[row];
        return e < _group ? p - p % _group + e : p + (e - _group);
    }

    bool Valid(int row, long e) => e >= _group || e < _positions[row] % _group;

    /// <summary>[batch, 1, 1, m, G + m]: true where element e must not enter candidate j's local term.</summary>
    public Tensor LocalExcluded(Device device) => CandidateMask(device, (row, j, e) =>
    {
        long pj = _positions[row] + j, pe = Position(row, e);
        return !(Valid(row, e) && pe / _group == pj / _group && pe <= pj);
    });

    /// <summary>[batch, 1, 1, m, G + m]: true where element e must not enter candidate j's in-block global term.</summary>
    public Tensor GlobalExcluded(Device device) => CandidateMask(device, (row, j, e) =>
        !(Valid(row, e) && Position(row, e) / _group < (_positions[row] + j) / _group));

    /// <summary>[batch, 1, G + m, 1]: elements that an accept of <paramref name="accepted"/> folds into S.</summary>
    public (Tensor Mask, bool Any) FoldedIntoState(ReadOnlySpan<long> accepted, Device device)
    {
        var mask = new bool[Batch * Width];
        bool any = false;
        for (int row = 0; row < Batch; row++)
        {
            long end = _positions[row] + accepted[row], openGroup = end / _group;
            for (long e = 0; e < Width; e++)
            {
                long pe = Position(row, e);
                bool fold = Valid(row, e) && pe < end && pe / _group < openGroup;
                mask[row * Width + e] = fold;
                any |= fold;
            }
        }
        return (tensor(mask, [Batch, 1, Width, 1], device: device), any);
    }

    /// <summary>
    /// [batch, 1, G, 1]: for each slot of the new buffer, the block element that moves into it, and the slots that
    /// stay empty (past the new position; the caller zeroes them so that the state matches the one Step leaves).
    /// </summary>
    public (Tensor Sources, Tensor Empty) NewBufferSources(ReadOnlySpan<long> accepted, Device device)
    {
        var index = new long[Batch * _group];
        var empty = new bool[Batch * _group];
        for (int row = 0; row < Batch; row++)
        {
            long p = _positions[row], start = p - p % _group, end = p + accepted[row], newStart = end - end % _group;
            for (long i = 0; i < _group; i++)
            {
                long pos = newStart + i;
                empty[row * _group + i] = pos >= end;
                index[row * _group + i] = pos >= end ? 0 : pos < p ? pos - start : _group + (pos - p);
            }
        }
        return (tensor(index, [Batch, 1, _group, 1], device: device), tensor(empty, [Batch, 1, _group, 1], device: device));
    }

    Tensor CandidateMask(Device device, Func<int, long, long, bool> excluded)
    {
        var mask = new bool[Batch * _m * Width];
        for (int row = 0; row < Batch; row++)
            for (long j = 0; j < _m; j++)
                for (long e = 0; e < Width; e++)
                    mask[(row * _m + j) * Width + e] = excluded(row, j, e);
        return tensor(mask, [Batch, 1, 1, _m, Width], device: device);
    }
}
