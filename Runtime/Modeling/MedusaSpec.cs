using System.Text.Json.Serialization;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// Medusa heads on a model (config.json <c>medusa_heads</c>): <see cref="Count"/> heads, head i proposing the token
/// i + 2 positions after the last one read (the model's own logits give the next), each a stack of
/// <see cref="Layers"/> residual blocks h + SiLU(W h + b) followed by the model's output head (Medusa-1).
/// </summary>
/// <param name="Count">Number of heads, 1..<see cref="MaxCount"/>.</param>
/// <param name="Layers">Residual blocks per head, 1..<see cref="MaxLayers"/>.</param>
public sealed record MedusaSpec(int Count, int Layers = 1)
{
    /// <summary>Most heads a model may declare: a head proposes a token that many positions ahead, and acceptance falls fast with distance.</summary>
    public const int MaxCount = 16;

    /// <summary>Most residual blocks per head.</summary>
    public const int MaxLayers = 8;

    /// <summary>How a checkpoint stores the heads' weights. Written to config.json only when not the default.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public MedusaStorage Storage { get; init; }

    /// <summary>Every problem of these settings, prefixed with where they sit.</summary>
    public IReadOnlyList<string> Problems(string where = "medusa_heads")
    {
        var problems = new List<string>();
        if (Count is < 1 or > MaxCount) problems.Add($"{where}.count must be between 1 and {MaxCount}, got {Count}.");
        if (Layers is < 1 or > MaxLayers) problems.Add($"{where}.layers must be between 1 and {MaxLayers}, got {Layers}.");
        return problems;
    }
}
