using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>
/// The recurrent state of a <see cref="CustomMixer{TState}"/>: named tensors whose first dimension is the batch row, so
/// that the generic Verify and Commit can copy, snapshot and pick rows of it. Its size must not grow with the context.
/// </summary>
public abstract class CustomMixerState : MixerState
{
    /// <summary>Creates an empty state for <paramref name="batch"/> rows; the derived constructor sets its tensors with <see cref="Write"/>.</summary>
    protected CustomMixerState(TokenMixer owner, long batch, ScalarType dtype, Device device) : base(owner, batch, dtype, device)
    {
    }

    /// <summary>The state tensor <paramref name="name"/> ([batch, ...]).</summary>
    protected Tensor Read(string name) => Get(name);

    /// <summary>Stores the state tensor <paramref name="name"/> ([batch, ...]), freeing the one it replaces.</summary>
    protected void Write(string name, Tensor value) => Set(name, value);

    /// <summary>Makes this state a copy of <paramref name="source"/>: its tensors (cloned) and its rows' positions.</summary>
    internal void CopyFrom(CustomMixerState source)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in source.Tensors) Set(name, tensor.clone());
        for (int b = 0; b < Batch; b++) MutablePositions[b] = source.Positions[b];
    }

    /// <summary>Stores a tensor on behalf of the generic commit.</summary>
    internal void Replace(string name, Tensor value) => Set(name, value);

    /// <summary>Advances every row by one position (the generic verification's unrolled steps).</summary>
    internal void AdvanceAll()
    {
        for (int b = 0; b < Batch; b++) MutablePositions[b] += 1;
    }
}
