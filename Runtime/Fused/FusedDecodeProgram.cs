using System.Numerics;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// The decode step of one architecture as straight-line code over CPU memory: every layer's norm, projections,
/// mixer and MLP in declaration order, with the sizes written in and no branching on the configuration. The
/// source generator writes one per declared model (<c>DecodeProgram</c>); <see cref="CausalLanguageModel.Step"/>
/// runs it, when one is attached, for float32 and float64 models on the CPU, and the composed modules elsewhere
/// (GPU, half precision). It computes the same function as the composed modules, in a different summation order.
/// </summary>
public abstract class FusedDecodeProgram
{
    /// <summary>Creates the program of the architecture <paramref name="config"/>.</summary>
    protected FusedDecodeProgram(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
    }

    /// <summary>The architecture the program was written for; it runs only models built from it.</summary>
    public ModelConfig Config { get; }

    /// <summary>Whether <paramref name="config"/> describes this program's architecture (the initialisation scale aside).</summary>
    public bool Fits(ModelConfig? config) => config is not null && (config with { InitializerRange = Config.InitializerRange }).Equals(Config);

    /// <summary>
    /// The step of every row: <see cref="FusedFrame{T}.Rows"/> tokens (one per row) flow from the embedding to the
    /// logits through the frame's buffers, parameters and mixer states.
    /// </summary>
    protected abstract void Step<T>(FusedFrame<T> f) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Runs one step, or returns null when the program cannot serve this state (not CPU, not float32/float64).</summary>
    internal Tensor? TryStep(CausalLanguageModel model, Tensor tokens, ModelState state)
    {
        if (state.Device.type != DeviceType.CPU || tokens.device_type != DeviceType.CPU) return null;
        return state.Dtype switch
        {
            ScalarType.Float32 => Run<float>(model, tokens, state),
            ScalarType.Float64 => Run<double>(model, tokens, state),
            _ => null,
        };
    }

    Tensor Run<T>(CausalLanguageModel model, Tensor tokens, ModelState state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var logits = empty([state.Batch, 1, model.VocabSize], state.Dtype, state.Device);
        try
        {
            using var frame = new FusedFrame<T>(model, state, tokens, logits);
            Step(frame);
            return logits;
        }
        catch
        {
            logits.Dispose();
            throw;
        }
    }
}
