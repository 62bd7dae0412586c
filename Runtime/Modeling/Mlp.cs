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

    /// <summary>c_proj(gelu(c_fc(x))) with the exact (erf) GELU, with biases (BERT). Encoders and seq2seq models only.</summary>
    [JsonStringEnumMemberName("gelu_erf")]
    GeluErf,

    /// <summary>down(gelu_tanh(gate(x)) * up(x)), no biases (T5 v1.1 "gated-gelu"). Encoders and seq2seq models only.</summary>
    [JsonStringEnumMemberName("geglu")]
    GeGlu,

    /// <summary>down(relu(up(x))), no biases (T5 v1.0 "relu"). Encoders and seq2seq models only.</summary>
    [JsonStringEnumMemberName("relu")]
    Relu,
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
        MlpKind.GeGlu => new SwiGluMlp(width, hidden, MlpKind.GeGlu),
        MlpKind.Gelu => new GeluMlp(width, hidden),
        MlpKind.GeluErf => new GeluMlp(width, hidden, MlpKind.GeluErf),
        MlpKind.Relu => new ReluMlp(width, hidden),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown MLP kind; use SwiGlu, GeGlu, Gelu, GeluErf or Relu."),
    };

    /// <summary>How many width x hidden matrices an MLP of <paramref name="kind"/> holds: three when gated, else two.</summary>
    internal static int Matrices(MlpKind kind) => kind is MlpKind.SwiGlu or MlpKind.GeGlu ? 3 : 2;

    /// <summary>Whether the fused decode programs of causal LMs run <paramref name="kind"/> (the others serve encoders and seq2seq models).</summary>
    internal static bool Decodable(MlpKind kind) => kind is MlpKind.SwiGlu or MlpKind.Gelu;
}
