using System.Text.RegularExpressions;

namespace LinearDsl.Runtime.Checkpoints.Gguf;

/// <summary>
/// Names the checkpoint's Hugging Face LLaMA tensors as llama.cpp's "llama" architecture does, and reorders the rows
/// of the query and key projections for llama.cpp's rotary layout.
/// </summary>
internal static partial class GgufLlamaTensors
{
    static readonly Dictionary<string, string> LayerNames = new(StringComparer.Ordinal)
    {
        ["input_layernorm.weight"] = "attn_norm.weight",
        ["self_attn.q_proj.weight"] = "attn_q.weight",
        ["self_attn.k_proj.weight"] = "attn_k.weight",
        ["self_attn.v_proj.weight"] = "attn_v.weight",
        ["self_attn.o_proj.weight"] = "attn_output.weight",
        ["post_attention_layernorm.weight"] = "ffn_norm.weight",
        ["mlp.gate_proj.weight"] = "ffn_gate.weight",
        ["mlp.up_proj.weight"] = "ffn_up.weight",
        ["mlp.down_proj.weight"] = "ffn_down.weight",
    };

    /// <summary>The GGUF name of a checkpoint key, or null when the llama architecture has no such tensor.</summary>
    public static string? Name(string key)
    {
        switch (key)
        {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
        }
        var match = LayerKey().Match(key);
        return match.Success && LayerNames.TryGetValue(match.Groups[2].Value, out var name) ? $"blk.{match.Groups[1].Value}.{name}" : null;
    }

    /// <summary>Heads whose rows <paramref name="key"/> rotates: query heads for q_proj, key/value heads for k_proj, else none.</summary>
    public static int? RotatedHeads(string key, int heads, int kvHeads)
        => key.EndsWith(".self_attn.q_proj.weight", StringComparison.Ordinal) ? heads
            : key.EndsWith(".self_attn.k_proj.weight", StringComparison.Ordinal) ? kvHeads
            : null;

    /// <summary>
    /// Reorders the rows of a q or k projection [heads * headDim, columns] within each head from the Hugging Face
    /// rotary layout (dimension i pairs with i + headDim/2) to llama.cpp's (2j pairs with 2j + 1): new row 2j is old
    /// row j and new row 2j + 1 is old row j + headDim/2. Rotating the permuted projection's output pair by pair
    /// gives the same dot products as rotating the original's halves, so attention scores are unchanged.
    /// </summary>
    public static float[] PermuteForRotary(ReadOnlySpan<float> weight, long rows, long columns, int heads)
    {
        if (rows % heads != 0 || rows / heads % 2 != 0)
            throw new ArgumentException($"A rotary projection of {rows} rows cannot be split into {heads} heads of even size.", nameof(heads));
        long headDim = rows / heads, half = headDim / 2;
        var result = new float[weight.Length];
        for (long h = 0; h < heads; h++)
        {
            for (long j = 0; j < half; j++)
            {
                weight.Slice((int)((h * headDim + j) * columns), (int)columns).CopyTo(result.AsSpan((int)((h * headDim + 2 * j) * columns)));
                weight.Slice((int)((h * headDim + half + j) * columns), (int)columns).CopyTo(result.AsSpan((int)((h * headDim + 2 * j + 1) * columns)));
            }
        }
        return result;
    }

    [GeneratedRegex(@"^model\.layers\.(\d+)\.(.+)$")]
    private static partial Regex LayerKey();
}
