using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>T5 v1.0's feed-forward network: down_proj(relu(up_proj(x))), no biases.</summary>
public sealed class ReluMlp : Mlp
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Linear up_proj;
    readonly Linear down_proj;
#pragma warning restore IDE1006

    /// <summary>Creates the network with TorchSharp's default initialisation.</summary>
    public ReluMlp(int width, int hidden) : base(nameof(ReluMlp), width, hidden)
    {
        up_proj = nn.Linear(width, hidden, hasBias: false);
        down_proj = nn.Linear(hidden, width, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override MlpKind Kind => MlpKind.Relu;

    /// <summary>The projection to the hidden width (mlp.up_proj), followed by ReLU.</summary>
    public Linear UpProjection => up_proj;

    /// <summary>The projection back to the model width (mlp.down_proj).</summary>
    public Linear DownProjection => down_proj;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // call, not forward: adapters (LoRA) hook the projections.
        return down_proj.call(nn.functional.relu(up_proj.call(x))).MoveToOuterDisposeScope();
    }
}
