using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The gated feed-forward network of LLaMA: down_proj(silu(gate_proj(x)) * up_proj(x)), no biases. With
/// <see cref="MlpKind.GeGlu"/> the gate goes through the tanh GELU instead (T5 v1.1's "gated-gelu").
/// </summary>
public sealed class SwiGluMlp : Mlp
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Linear gate_proj;
    readonly Linear up_proj;
    readonly Linear down_proj;
#pragma warning restore IDE1006

    /// <summary>Creates the network with TorchSharp's default initialisation.</summary>
    public SwiGluMlp(int width, int hidden) : this(width, hidden, MlpKind.SwiGlu)
    {
    }

    /// <summary>The SiLU-gated (SwiGLU) or tanh-GELU-gated (GeGLU) network.</summary>
    internal SwiGluMlp(int width, int hidden, MlpKind kind) : base(nameof(SwiGluMlp), width, hidden)
    {
        if (kind is not (MlpKind.SwiGlu or MlpKind.GeGlu)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "A gated MLP is SwiGlu or GeGlu.");
        Kind = kind;
        gate_proj = nn.Linear(width, hidden, hasBias: false);
        up_proj = nn.Linear(width, hidden, hasBias: false);
        down_proj = nn.Linear(hidden, width, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override MlpKind Kind { get; }

    /// <summary>The gate projection (mlp.gate_proj), whose output goes through SiLU (GELU for GeGlu).</summary>
    public Linear GateProjection => gate_proj;

    /// <summary>The up projection (mlp.up_proj), multiplied by the gate.</summary>
    public Linear UpProjection => up_proj;

    /// <summary>The down projection (mlp.down_proj) back to the model width.</summary>
    public Linear DownProjection => down_proj;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // call, not forward: adapters (LoRA) hook the projections.
        var gate = gate_proj.call(x);
        var gated = (Kind == MlpKind.GeGlu ? nn.functional.gelu(gate, GELU.Approximate.tanh) : nn.functional.silu(gate)).mul(up_proj.call(x));
        return down_proj.call(gated).MoveToOuterDisposeScope();
    }
}
