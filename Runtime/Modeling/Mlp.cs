using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Which feed-forward network a model uses.</summary>
public enum MlpKind
{
    /// <summary>down(silu(gate(x)) * up(x)), no biases (LLaMA).</summary>
    [JsonStringEnumMemberName("swiglu")]
    SwiGlu,

    /// <summary>c_proj(gelu_tanh(c_fc(x))), with biases (GPT-2).</summary>
    [JsonStringEnumMemberName("gelu")]
    Gelu,
}

/// <summary>
/// The feed-forward network of a decoder block on [batch, time, width]. It acts on each token alone, so it is the
/// same function in every form (parallel, step, verify).
/// </summary>
public abstract class Mlp : nn.Module<Tensor, Tensor>
{
    /// <summary>Checks the widths.</summary>
    protected Mlp(string name, int width, int hidden) : base(name)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The model width must be positive.");
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "The hidden width of the MLP must be positive.");
        Width = width;
        Hidden = hidden;
    }

    /// <summary>Width of the input and output.</summary>
    public int Width { get; }

    /// <summary>Width of the hidden layer.</summary>
    public int Hidden { get; }

    /// <summary>The kind of this MLP.</summary>
    public abstract MlpKind Kind { get; }

    /// <summary>Creates an MLP of the given kind.</summary>
    public static Mlp Create(MlpKind kind, int width, int hidden) => kind switch
    {
        MlpKind.SwiGlu => new SwiGluMlp(width, hidden),
        MlpKind.Gelu => new GeluMlp(width, hidden),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown MLP kind; use SwiGlu or Gelu."),
    };
}
