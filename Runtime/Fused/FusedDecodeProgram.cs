using System.ComponentModel;
using System.Numerics;
using LinearDsl.Runtime.Mixers;
using LinearDsl.Runtime.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Fused;

/// <summary>
/// The decoding forms of one architecture over CPU memory: every layer's norm, projections, mixer and MLP in order,
/// through the managed kernels of <see cref="FusedFrame{T}"/>. The source generator writes one per declared model
/// (<c>DecodeProgram</c>, sizes written in); <see cref="ConfigDecodeProgram"/> reads any config at run time.
/// <see cref="CausalLanguageModel.Step"/> and <see cref="CausalLanguageModel.Verify"/> run it, when one is attached,
/// for float32 and float64 models on the CPU, and the composed modules elsewhere (GPU, half precision). It computes
/// the same function as the composed modules, in a different summation order.
/// </summary>
/// <remarks>Infrastructure for the code the source generator writes: public because generated code in your assembly calls it, not a stable API to program against.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
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

    /// <summary>Whether <paramref name="config"/> describes this program's architecture (the initialisation scale and Medusa heads aside: heads run after the program, on its hidden state).</summary>
    public bool Fits(ModelConfig? config)
        => config is not null && (config with { InitializerRange = Config.InitializerRange, MedusaHeads = Config.MedusaHeads }).Equals(Config);

    /// <summary>
    /// The frame's <see cref="FusedFrame{T}.Rows"/> tokens flow from the embedding to the logits through its
    /// buffers, parameters and mixer states; the frame decides whether the mixers step or verify.
    /// </summary>
    protected abstract void Run<T>(FusedFrame<T> f) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>One step of every row; null when the program cannot serve this state (not CPU, not float32/float64).</summary>
    /// <remarks>With <paramref name="hidden"/> the result also holds the final hidden state (after the final norm), as Medusa heads read it.</remarks>
    internal FusedOutput? TryStep(CausalLanguageModel model, Tensor tokens, ModelState state, bool hidden = false)
        => Serves(tokens, state) ? Execute(model, tokens, state, verify: false, hidden) : null;

    /// <summary>Verification of [batch, m] candidates (the state is read, not written); null when the program cannot serve this state.</summary>
    internal FusedOutput? TryVerify(CausalLanguageModel model, Tensor tokens, ModelState state, bool hidden = false)
        => Serves(tokens, state) ? Execute(model, tokens, state, verify: true, hidden) : null;

    /// <summary>Verification of one candidate tree per row ([batch, nodes], laid out by <paramref name="tree"/>; the state is read, not written); null when the program cannot serve this state.</summary>
    internal FusedOutput? TryVerifyTree(CausalLanguageModel model, Tensor tokens, ModelState state, Decoding.TreeLayout tree, bool hidden = false)
    {
        if (!Serves(tokens, state)) return null;
        t_treeVerifications++;
        return Execute(model, tokens, state, verify: true, hidden, tree);
    }

    /// <summary>Tree verifications this thread's programs served (tests check that the program, not the composed modules, ran).</summary>
    [ThreadStatic] internal static long t_treeVerifications;

    static bool Serves(Tensor tokens, ModelState state)
        => state.Device.type == DeviceType.CPU && tokens.device_type == DeviceType.CPU && state.Dtype is ScalarType.Float32 or ScalarType.Float64;

    FusedOutput Execute(CausalLanguageModel model, Tensor tokens, ModelState state, bool verify, bool hidden, Decoding.TreeLayout? tree = null)
        => state.Dtype == ScalarType.Float64 ? Execute<double>(model, tokens, state, verify, hidden, tree) : Execute<float>(model, tokens, state, verify, hidden, tree);

    FusedOutput Execute<T>(CausalLanguageModel model, Tensor tokens, ModelState state, bool verify, bool hidden, Decoding.TreeLayout? tree) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var logits = empty([state.Batch, tokens.shape[1], model.VocabSize], state.Dtype, state.Device);
        var hiddenState = hidden ? empty([state.Batch, tokens.shape[1], model.Width], state.Dtype, state.Device) : null;
        try
        {
            using var frame = new FusedFrame<T>(model, state, tokens, logits, verify, hiddenState, tree);
            Run(frame);
            return new FusedOutput(logits, frame.TakePending(), hiddenState);
        }
        catch
        {
            logits.Dispose();
            hiddenState?.Dispose();
            throw;
        }
    }
}

/// <summary>What a decode program computed: logits, the verification records (empty for a step) and, when asked, the final hidden state.</summary>
internal readonly record struct FusedOutput(Tensor Logits, PendingCommit[] Pending, Tensor? Hidden);
