using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The GPT-2 feed-forward network: c_proj(gelu(c_fc(x))) with biases and the tanh approximation of GELU
/// (GPT-2's <c>gelu_new</c>); with <see cref="MlpKind.GeluErf"/> the exact erf GELU (BERT's <c>gelu</c>). Note that GPT-2 checkpoints store c_fc and c_proj as Conv1D weights [in, out]:
/// an importer transposes them into these [out, in] linear weights.
/// </summary>
public sealed class GeluMlp : Mlp
{
#pragma warning disable IDE1006 // Field names are the state-dict keys.
    readonly Linear c_fc;
    readonly Linear c_proj;
#pragma warning restore IDE1006

    /// <summary>Creates the network with TorchSharp's default initialisation.</summary>
    public GeluMlp(int width, int hidden) : this(width, hidden, MlpKind.Gelu)
    {
    }

    /// <summary>The tanh-GELU (GPT-2) or exact-GELU (BERT) network.</summary>
    internal GeluMlp(int width, int hidden, MlpKind kind) : base(nameof(GeluMlp), width, hidden)
    {
        if (kind is not (MlpKind.Gelu or MlpKind.GeluErf)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "A GELU MLP is Gelu or GeluErf.");
        Kind = kind;
        c_fc = nn.Linear(width, hidden, hasBias: true);
        c_proj = nn.Linear(hidden, width, hasBias: true);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override MlpKind Kind { get; }

    /// <summary>The projection to the hidden width (mlp.c_fc), followed by GELU.</summary>
    public Linear InputProjection => c_fc;

    /// <summary>The projection back to the model width (mlp.c_proj).</summary>
    public Linear OutputProjection => c_proj;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // call, not forward: adapters (LoRA) hook the projections.
        var hidden = nn.functional.gelu(c_fc.call(x), Kind == MlpKind.GeluErf ? GELU.Approximate.none : GELU.Approximate.tanh);
        return c_proj.call(hidden).MoveToOuterDisposeScope();
    }
}
