using LinearDsl.Runtime.Fused;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

public sealed partial class CausalLanguageModel
{
    Int8Weights? _int8;

    /// <summary>The int8 projection weights, or null for a float model.</summary>
    internal Int8Weights? Int8Weights => _int8;

    /// <summary>
    /// True when the projections and the untied output head run as block-wise int8 (Q8_0: a float scale per block
    /// of 32 weights, activations quantized the same way). Every form (<see cref="Forward"/>, <see cref="Prefill"/>,
    /// <see cref="Step"/>, <see cref="Verify"/>) then runs the int8 decode program, so they compute one function and
    /// speculative decoding stays exact. Such a model runs on the CPU in float32 or float64 and has no autograd.
    /// </summary>
    public bool HasInt8Weights => _int8 is not null;

    /// <summary>
    /// Quantizes the projections and the untied output head to block-wise int8 (see <see cref="HasInt8Weights"/>);
    /// the float parameters then hold the dequantized weights. Embeddings, norms and mixer parameters stay float.
    /// Does nothing when the model already has int8 weights.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is not float32/float64 on the CPU, or has no decode program.</exception>
    public void QuantizeToInt8()
    {
        if (_int8 is not null) return;
        ThrowIfNoProgram();
        using var noGrad = no_grad();
        _int8 = Int8Weights.Quantize(this);
    }

    /// <summary>Gives the model int8 weights read from a checkpoint.</summary>
    internal void UseInt8Weights(Dictionary<string, Int8Matrix> matrices)
    {
        ThrowIfNoProgram();
        using var noGrad = no_grad();
        _int8 = Int8Weights.Attach(this, matrices);
    }

    /// <summary>Quantizes the float weights again after they were replaced (loading a float file into an int8 model).</summary>
    internal void RequantizeInt8()
    {
        if (_int8 is null) return;
        using var noGrad = no_grad();
        _int8 = Int8Weights.Quantize(this);
    }

    void ThrowIfNoProgram()
    {
        if (_decodeProgram is null)
            throw new NotSupportedException("int8 weights run only in a decode program, and this model has none (it was assembled by hand); build it from a ModelConfig.");
    }

    /// <summary>Logits of an int8 model for tokens [batch, time] from position 0: blocks through the decode program on a fresh state.</summary>
    Tensor Int8Forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var state = CreateState(tokens.shape[0]);
        return Int8Prefill(tokens, state, hidden: false).Logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Prefill of an int8 model: blocks of at most <see cref="FusedPrefillLimit"/> tokens verified by the decode
    /// program and committed whole, so a prompt meets the same int8 projections as the steps that follow.
    /// </summary>
    (Tensor Logits, Tensor? Hidden) Int8Prefill(Tensor tokens, ModelState state, bool hidden)
    {
        using var scope = NewDisposeScope();
        long time = tokens.shape[1];
        var logits = new List<Tensor>();
        var states = new List<Tensor>();
        for (long start = 0; start < time; start += FusedPrefillLimit)
        {
            long length = Math.Min(FusedPrefillLimit, time - start);
            var block = tokens.narrow(1, start, length);
            var fused = _decodeProgram?.TryVerify(this, block, state, hidden) ?? throw Int8Unserved(state);
            using (var pending = new ModelPending(state, length, fused.Pending))
                Commit(state, pending, Enumerable.Repeat(length, (int)state.Batch).ToArray());
            logits.Add(fused.Logits);
            if (fused.Hidden is not null) states.Add(fused.Hidden);
        }
        var all = (logits.Count == 1 ? logits[0] : cat(logits, 1)).MoveToOuterDisposeScope();
        return (all, hidden ? (states.Count == 1 ? states[0] : cat(states, 1)).MoveToOuterDisposeScope() : null);
    }

    static NotSupportedException Int8Unserved(ModelState state) => new(
        $"int8 weights run only in the CPU decode program of float32 and float64 models; this state is {state.Dtype} on {state.Device}. Load the model on the CPU in float32, or load its float checkpoint.");
}
